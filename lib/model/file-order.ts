/** Name order: the one order of a recording's files (README, "Files and name order"). */
export function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
