import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The page: one HTML shell, one script, one stylesheet; nothing else is loaded, from here or elsewhere. */
export interface ConsolePage {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

const ENTRY = fileURLToPath(new URL('../page/main.ts', import.meta.url));

/**
 * Bundles console/page with esbuild, in memory (about 100 ms): Preact, htm and the views, minified,
 * for browsers of the last few years. No CDN and no font: the page works without internet access.
 */
export async function buildConsolePage(): Promise<ConsolePage> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    outdir: '/console-assets',
    entryNames: 'app',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = (extension: string) => {
    const output = result.outputFiles.find((candidate) => candidate.path.endsWith(extension));
    if (output === undefined) throw new Error(`the console bundle has no ${extension} output`);
    return output.text;
  };
  return { html: CONSOLE_HTML, js: file('.js'), css: file('.css') };
}

const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Recordings console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body>
<div id="app"><noscript>The console needs JavaScript.</noscript></div>
</body>
</html>
`;
