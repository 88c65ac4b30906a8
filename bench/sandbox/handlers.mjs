// The handler module of bench/sandbox.ts's overseer workers (plain JavaScript: sandboxes import it as is).
export const handlers = { noop: () => null };
