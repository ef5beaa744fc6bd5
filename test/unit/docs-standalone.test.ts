import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The repository stands on its own: nothing cites a document a clone does not have, and every
// "PROTOCOLS.md §N" the code cites is a heading of docs/PROTOCOLS.md.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROTOCOLS = 'docs/PROTOCOLS.md';
const SELF = relative(ROOT, fileURLToPath(import.meta.url))
  .split('\\')
  .join('/');
/** What a clone does not have: the shared folder beside it, its contract, design and style notes, the seed pages. */
const OUTSIDE_REFERENCE = /\.\.\/shared\/|CONTRACT §|CONTRACT\.md|DESIGN\.md|STYLE\.md|\bseed 00\d/i;
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage', '.serverless', '.esbuild', '.local']);

/** The tracked files (git), or every file but build output when this is not a git checkout. */
function repositoryFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\0').filter((path) => path !== '' && existsSync(join(ROOT, path)));
  } catch {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) walk(path);
        } else if (entry.isFile()) files.push(path);
      }
    };
    walk('');
    return files;
  }
}

/** Text files outside node_modules, with their content; binary files (with a NUL byte) are left out. */
function textFiles(): Array<{ path: string; text: string }> {
  return repositoryFiles()
    .filter((path) => !path.split('/').includes('node_modules'))
    .map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }))
    .filter(({ text }) => !text.includes('\0'));
}

/** `file:line: text` for every line matching `pattern`. */
function linesMatching(files: Array<{ path: string; text: string }>, pattern: RegExp): string[] {
  const hits: string[] = [];
  for (const { path, text } of files) {
    text.split('\n').forEach((line, index) => {
      if (pattern.test(line)) hits.push(`${path}:${index + 1}: ${line.trim()}`);
    });
  }
  return hits;
}

/** Section numbers cited right after "PROTOCOLS.md": "§6", "§6 and §7", "§8.5, §9", "§6–§9". */
function citedSections(text: string): string[] {
  const sections: string[] = [];
  const citation = /PROTOCOLS\.md((?:(?:\s*,\s*|\s+and\s+|\s+)§\d+(?:\.\d+)?(?:\s*[–-]\s*§?\d+)?)+)/g;
  for (const match of text.matchAll(citation)) {
    for (const part of (match[1] ?? '').matchAll(/§(\d+(?:\.\d+)?)(?:\s*[–-]\s*§?(\d+))?/g)) {
      const [, first, last] = part;
      if (first === undefined) continue;
      if (last === undefined) sections.push(first);
      else for (let n = Number(first); n <= Number(last); n++) sections.push(String(n));
    }
  }
  return sections;
}

/** The numbered headings of docs/PROTOCOLS.md: "## 6. Agora …" is 6, "### 8.1 Tencent …" is 8.1. */
function protocolSections(): Set<string> {
  const doc = readFileSync(join(ROOT, PROTOCOLS), 'utf8');
  return new Set([...doc.matchAll(/^#{2,4}\s+(\d+(?:\.\d+)?)[.\s]/gm)].map((match) => match[1] ?? ''));
}

describe('the repository stands on its own', () => {
  const files = textFiles().filter(({ path }) => path !== SELF);

  it('finds the files it checks', () => {
    expect(files.map(({ path }) => path)).toEqual(expect.arrayContaining(['README.md', PROTOCOLS, 'lib/platforms.ts']));
  });

  it('no file cites the documents outside the repository', () => {
    expect(linesMatching(files, OUTSIDE_REFERENCE)).toEqual([]);
  });

  it(`every "PROTOCOLS.md §N" cited is a heading of ${PROTOCOLS}`, () => {
    const headings = protocolSections();
    expect([...headings]).toEqual(expect.arrayContaining(['1', '2', '3', '4', '5', '6', '7', '8', '8.1', '8.5', '9']));
    const missing: string[] = [];
    let citations = 0;
    for (const { path, text } of files) {
      if (path === PROTOCOLS) continue;
      for (const section of citedSections(text)) {
        citations++;
        if (!headings.has(section)) missing.push(`${path}: PROTOCOLS.md §${section}`);
      }
    }
    expect(missing).toEqual([]);
    // The code cites it about a hundred times: far fewer means the pattern above stopped matching.
    expect(citations).toBeGreaterThan(50);
  });

  it(`${PROTOCOLS}'s own "§N" references name its headings`, () => {
    const headings = protocolSections();
    const doc = readFileSync(join(ROOT, PROTOCOLS), 'utf8');
    const missing = [...doc.matchAll(/§(\d+(?:\.\d+)?)/g)]
      .map((match) => match[1] ?? '')
      .filter((section) => !headings.has(section));
    expect(missing).toEqual([]);
  });

  it('the README cites docs/PROTOCOLS.md, and its Layout lists it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`${PROTOCOLS} §`);
    const layout = readme.slice(readme.indexOf('\n## Layout'));
    expect(layout).toMatch(/^docs\/\s+PROTOCOLS\.md/m);
  });
});
