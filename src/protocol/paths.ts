/** Path rules of ZooKeeper's PathUtils.validatePath (reference §7.1). */

/** Returns why `path` is invalid, or null when it is valid. */
export function pathProblem(path: string): string | null {
  if (path.length === 0) return "path must not be empty";
  if (path[0] !== "/") return "path must start with /";
  if (path.length === 1) return null;
  if (path.endsWith("/")) return "path must not end with /";
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return `null character not allowed @${i}`;
    if (c === 0x2f && path.charCodeAt(i - 1) === 0x2f) return `empty node name specified @${i}`;
    if (
      (c > 0 && c < 0x1f + 1) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return `invalid character @${i}`;
    }
  }
  for (const segment of path.split("/")) {
    if (segment === "." || segment === "..") return `relative paths not allowed: ${segment}`;
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
