import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENDPOINTS_BY_PLATFORM, PLATFORMS } from '../../lib/platforms';
import { VENDORS_BY_PLATFORM } from '../../lib/providers/registry';

/**
 * The layering rules (README, "Layout"), checked on the import statements of every tracked module,
 * `import type` included: a type import still ties two modules into one circle for the compiler.
 */
const FILES = execFileSync('git', ['ls-files', '*.ts'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && existsSync(file));
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (!specifier) continue;
    const target = normalize(join(dirname(file), specifier)).replace(/\.(ts|js)$/, '');
    if (existsSync(`${target}.ts`)) targets.push(`${target}.ts`);
    else if (existsSync(join(target, 'index.ts'))) targets.push(join(target, 'index.ts'));
  }
  return targets;
}

const GRAPH = new Map(FILES.map((file) => [file, importsOf(file)]));

/** Every cycle, as the files on it, found by depth-first search (each reported once, from its smallest file). */
function cyclesUnder(roots: readonly string[]): string[][] {
  const inScope = (file: string) => roots.some((root) => file.startsWith(root));
  const cycles = new Map<string, string[]>();
  const visit = (file: string, path: string[], onPath: Set<string>, done: Set<string>) => {
    if (onPath.has(file)) {
      const cycle = path.slice(path.indexOf(file));
      const start = cycle.indexOf([...cycle].sort()[0] as string);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      cycles.set(rotated.join(' → '), rotated);
      return;
    }
    if (done.has(file)) return;
    onPath.add(file);
    for (const next of GRAPH.get(file) ?? []) if (inScope(next)) visit(next, [...path, file], onPath, done);
    onPath.delete(file);
    done.add(file);
  };
  const done = new Set<string>();
  for (const file of FILES.filter(inScope)) visit(file, [], new Set(), done);
  return [...cycles.values()];
}

describe('architecture', () => {
  it('has no import cycle in lib/, functions/ or local/, type imports included', () => {
    expect(cyclesUnder(['lib/', 'functions/', 'local/']).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    GRAPH.set('lib/__a.ts', ['lib/__b.ts']);
    GRAPH.set('lib/__b.ts', ['lib/__a.ts']);
    FILES.push('lib/__a.ts', 'lib/__b.ts');
    try {
      expect(cyclesUnder(['lib/'])).toContainEqual(['lib/__a.ts', 'lib/__b.ts']);
    } finally {
      FILES.splice(FILES.indexOf('lib/__a.ts'), 2);
      GRAPH.delete('lib/__a.ts');
      GRAPH.delete('lib/__b.ts');
    }
  });

  it('lib/platforms.ts, the list of platforms, imports nothing', () => {
    expect(readFileSync('lib/platforms.ts', 'utf8')).not.toMatch(/^\s*import\s/m);
  });

  it('the registry serves exactly the endpoints lib/platforms.ts lists, each by its platform’s vendor', () => {
    for (const platform of PLATFORMS) {
      const vendor = VENDORS_BY_PLATFORM[platform];
      expect(vendor.platform).toBe(platform);
      expect([...vendor.endpoints].sort()).toEqual([...ENDPOINTS_BY_PLATFORM[platform]].sort());
      expect(
        vendor
          .createProviders({})
          .map((provider) => provider.endpoint)
          .sort(),
      ).toEqual([...ENDPOINTS_BY_PLATFORM[platform]].sort());
    }
  });

  it('nothing outside test/ imports test/, and no test imports bench/', () => {
    const offenders = FILES.flatMap((file) =>
      (GRAPH.get(file) ?? [])
        .filter(
          (target) =>
            (!file.startsWith('test/') && target.startsWith('test/')) ||
            (file.startsWith('test/') && target.startsWith('bench/')),
        )
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('no command line is parsed under lib/ (CLIs live in scripts/ and tools/)', () => {
    const parsers = FILES.filter(
      (file) => file.startsWith('lib/') && /\bparseArgs\b|process\.argv/.test(readFileSync(file, 'utf8')),
    );
    expect(parsers).toEqual([]);
  });
});
