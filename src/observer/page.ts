/**
 * The observer's one HTML page and its style. The script (www/app.ts,
 * compiled by the same tsc) and uPlot come from this server, with the token.
 */

const STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: #1d232a; background: #f5f6f8; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #24303d; color: #fff; }
header h1 { font-size: 15px; margin: 0; white-space: nowrap; }
header nav a { color: #cfd8e3; margin-right: 12px; text-decoration: none; cursor: pointer; }
header nav a.on { color: #fff; font-weight: 600; border-bottom: 2px solid #6cb6ff; }
#node { font-family: ui-monospace, monospace; }
.badge { padding: 1px 6px; border-radius: 8px; background: #3d4b5b; font-size: 11px; }
main { padding: 12px 16px; }
table { border-collapse: collapse; background: #fff; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e3e6ea; text-align: left; white-space: nowrap; }
th { cursor: pointer; user-select: none; background: #eef1f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.term { font-family: ui-monospace, monospace; white-space: pre-wrap; max-width: 900px; word-break: break-all; }
a.pid { color: #0b63c4; cursor: pointer; font-family: ui-monospace, monospace; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e3e6ea; border-radius: 6px; padding: 8px; }
.card h3 { margin: 0 0 6px; font-size: 13px; }
.bar { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
ul.tree { list-style: none; padding-left: 18px; margin: 2px 0; border-left: 1px dotted #9aa5b1; }
ul.tree li { margin: 2px 0; }
.sup { font-weight: 600; }
#msg { margin-left: auto; font-size: 12px; }
.error { color: #b3261e; }
.log { font-family: ui-monospace, monospace; white-space: pre-wrap; border-bottom: 1px solid #e3e6ea; padding: 4px 0; }
.log.warning { color: #8a5a00; } .log.error { color: #b3261e; }
`;

/** The page, with the token its script and WebSocket use. */
export function pageHtml(token: string): string {
  const q = `?token=${encodeURIComponent(token)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Agner observer</title>
<link rel="stylesheet" href="/uplot.css${q}"><style>${STYLE}</style></head>
<body data-token="${encodeURIComponent(token)}">
<header><h1>Agner observer</h1><span id="node"></span><span id="mode" class="badge"></span>
<nav><a data-page="overview">Overview</a><a data-page="processes">Processes</a><a data-page="applications">Applications</a><a data-page="cluster">Cluster</a><a data-page="kv">KV</a><a data-page="logs">Logs</a></nav>
<span id="msg"></span></header>
<main id="main"></main>
<script src="/uplot.js${q}"></script><script type="module" src="/app.js${q}"></script>
</body></html>`;
}
