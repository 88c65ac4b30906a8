/** Path rules of ZooKeeper's PathUtils.validatePath (PROTOCOL.md §7.1). */

/** Returns why `path` is invalid, or null when it is valid. */
export function pathProblem(path: string): string | null {
  const len = path.length;
  if (len === 0) return "path must not be empty";
  if (path.charCodeAt(0) !== 0x2f) return "path must start with /";
  if (len === 1) return null;
  if (path.charCodeAt(len - 1) === 0x2f) return "path must not end with /";
  let prev = 0x2f;
  let dotAfterSlash = false;
  for (let i = 1; i < len; i++) {
    const c = path.charCodeAt(i);
    // '0'..'~': always allowed, and the common case.
    if (c > 0x2f && c < 0x7f) {
      prev = c;
      continue;
    }
    if (c === 0) return `null character not allowed @${i}`;
    if (c === 0x2f && prev === 0x2f) return `empty node name specified @${i}`;
    if (
      (c > 0 && c < 0x1f + 1) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return `invalid character @${i}`;
    }
    if (c === 0x2e && prev === 0x2f) dotAfterSlash = true;
    prev = c;
  }
  // A "." or ".." segment starts with a dot after a slash; only then is the path split.
  if (dotAfterSlash) {
    for (const segment of path.split("/")) {
      if (segment === "." || segment === "..") return `relative paths not allowed: ${segment}`;
    }
  }
  return null;
}

export function isValidPath(path: string): boolean {
  return pathProblem(path) === null;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function joinPath(parent: string, child: string): string {
  return parent === "/" ? `/${child}` : `${parent}/${child}`;
}
