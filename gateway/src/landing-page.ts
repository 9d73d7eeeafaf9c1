import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { RouteHandler } from '@socgraph/shared';

/**
 * What a browser gets at `GET /`: Apollo Sandbox (loaded from Apollo's CDN in the analyst's
 * browser), or for air-gapped sites a self-contained GraphiQL explorer whose every file the
 * gateway serves itself (`LANDING_PAGE=offline`), or nothing (`off`). Unless `off`, that
 * explorer is also always at `/explorer`, and the Sandbox page falls back to it when Sandbox's
 * script cannot be loaded: an analyst on a closed network still lands on a working explorer.
 */

export type LandingPageMode = 'sandbox' | 'offline' | 'off';

/** Where the explorer is always served (unless LANDING_PAGE=off), whatever the landing page. */
export const EXPLORER_PATH = '/explorer';

/** Where the explorer's files are served from. */
export const EXPLORER_PREFIX = `${EXPLORER_PATH}/`;

/** Whether the explorer (at `/explorer`, and its files) is served: introspection off turns every page off. */
export const explorerServed = (mode: LandingPageMode, introspection: boolean): boolean =>
  introspection && mode !== 'off';

/** The explorer page allows nothing from anywhere but this gateway (GraphiQL inlines its fonts). */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const EXPLORER_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>SOC Graph explorer</title>
    <!-- No icon: otherwise the browser asks for /favicon.ico, a 404. -->
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${EXPLORER_PREFIX}graphiql.css" />
    <link rel="stylesheet" href="${EXPLORER_PREFIX}explorer.css" />
  </head>
  <body>
    <form class="sg-auth" id="sg-auth" autocomplete="off">
      <strong>SOC Graph</strong>
      <label for="sg-kind">Credential</label>
      <select id="sg-kind">
        <option value="bearer">Authorization: Bearer</option>
        <option value="apikey">x-api-key</option>
      </select>
      <label for="sg-token">Token</label>
      <input id="sg-token" name="token" type="password" placeholder="token from the login mutation, or an API key" />
      <button type="submit">Use</button>
      <span id="sg-status" role="status"></span>
    </form>
    <div id="graphiql">Loading the explorer…</div>
    <script src="${EXPLORER_PREFIX}react.js"></script>
    <script src="${EXPLORER_PREFIX}react-dom.js"></script>
    <script src="${EXPLORER_PREFIX}graphiql.js"></script>
    <script src="${EXPLORER_PREFIX}explorer.js"></script>
  </body>
</html>
`;

const EXPLORER_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
.sg-auth { display: flex; gap: 0.5rem; align-items: center; padding: 0.4rem 0.75rem; border-bottom: 1px solid #ddd; font-size: 14px; }
.sg-auth input { flex: 1; min-width: 12rem; padding: 0.25rem 0.4rem; }
#sg-status { color: #555; }
#graphiql { flex: 1; min-height: 0; }
`;

// The token field's value is added to every request GraphiQL sends (headers typed in
// GraphiQL's own Headers tab still apply). Kept in sessionStorage: gone when the tab closes.
const EXPLORER_JS = `(function () {
  'use strict';
  var form = document.getElementById('sg-auth');
  var kind = document.getElementById('sg-kind');
  var token = document.getElementById('sg-token');
  var status = document.getElementById('sg-status');
  token.value = sessionStorage.getItem('socgraph.token') || '';
  kind.value = sessionStorage.getItem('socgraph.kind') || 'bearer';
  function credentialHeaders() {
    var value = token.value.trim();
    if (!value) return {};
    if (kind.value === 'apikey') return { 'x-api-key': value };
    return { authorization: 'Bearer ' + value.replace(/^Bearer\\s+/i, '') };
  }
  function makeFetcher() {
    var fixed = credentialHeaders();
    return function fetcher(params, options) {
      var headers = Object.assign({ 'content-type': 'application/json' }, (options && options.headers) || {}, fixed);
      // The same endpoint whether the page is at /, /graphql or /explorer.
      return fetch('/graphql', {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(params),
        credentials: 'same-origin',
      }).then(function (response) { return response.json(); });
    };
  }
  var DEFAULT_QUERY = '# Sign in with the login mutation, put its token in the Token field above, then run:\\n' +
    'query Me {\\n  me {\\n    username\\n    role {\\n      name\\n    }\\n  }\\n}\\n';
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  var generation = 0;
  function render() {
    generation += 1;
    status.textContent = token.value.trim() ? 'signed in' : 'anonymous';
    root.render(
      React.createElement(GraphiQL, {
        key: generation,
        fetcher: makeFetcher(),
        isHeadersEditorEnabled: true,
        defaultQuery: DEFAULT_QUERY,
      }),
    );
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem('socgraph.token', token.value.trim());
    sessionStorage.setItem('socgraph.kind', kind.value);
    render();
  });
  render();
})();
`;

interface Asset {
  type: string;
  body: Buffer;
}

function packageFile(pkg: string, file: string): Buffer {
  return readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));
}

/** The explorer's files, read once from the installed packages (GraphiQL's prebuilt bundle, React's UMD builds). */
export function explorerAssets(): Map<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  return new Map<string, Asset>([
    ['react.js', { type: js, body: packageFile('react', 'umd/react.production.min.js') }],
    ['react-dom.js', { type: js, body: packageFile('react-dom', 'umd/react-dom.production.min.js') }],
    ['graphiql.js', { type: js, body: packageFile('graphiql', 'graphiql.min.js') }],
    ['graphiql.css', { type: css, body: packageFile('graphiql', 'graphiql.min.css') }],
    ['explorer.js', { type: js, body: Buffer.from(EXPLORER_JS) }],
    ['explorer.css', { type: css, body: Buffer.from(EXPLORER_CSS) }],
  ]);
}

/** Routes serving the explorer page at `/explorer` and its files under `/explorer/`. */
export function explorerRoutes(): Record<string, RouteHandler> {
  const page = Buffer.from(EXPLORER_HTML);
  const servePage: RouteHandler = (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(page.length),
      'cache-control': 'no-cache',
    });
    res.end(page);
  };
  const routes: Record<string, RouteHandler> = { [EXPLORER_PATH]: servePage, [EXPLORER_PREFIX]: servePage };
  for (const [name, asset] of explorerAssets()) {
    routes[`${EXPLORER_PREFIX}${name}`] = (_req, res) => {
      res.writeHead(200, {
        'content-type': asset.type,
        'content-length': String(asset.body.length),
        'cache-control': 'public, max-age=3600',
      });
      res.end(asset.body);
    };
  }
  return routes;
}

/** The landing page plugin for a mode; `introspection: false` turns every page off. */
export function landingPagePlugin<TContext extends BaseContext>(
  mode: LandingPageMode,
  introspection: boolean,
): ApolloServerPlugin<TContext> {
  if (!explorerServed(mode, introspection)) return ApolloServerPluginLandingPageDisabled();
  if (mode === 'sandbox') return sandboxWithFallback<TContext>();
  return {
    async serverWillStart() {
      return { renderLandingPage: async () => ({ html: EXPLORER_HTML }) };
    },
  };
}

/**
 * Apollo's own Sandbox page (what online analysts get is Apollo's), with its "you might be
 * offline" fallback replaced by one line that links to `/explorer`, and a script that goes
 * there when Sandbox's script fails to load.
 */
function sandboxWithFallback<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  const sandbox = ApolloServerPluginLandingPageLocalDefault({
    embed: { runTelemetry: false, endpointIsEditable: false },
    includeCookies: false,
    footer: false,
  });
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart?.(service);
      const render = listener?.renderLandingPage;
      if (!render) throw new Error('Apollo Sandbox plugin rendered no landing page');
      return {
        renderLandingPage: async () => {
          const { html } = await render();
          return { html: async () => withExplorerFallback(typeof html === 'string' ? html : await html()) };
        },
      };
    },
  };
}

/** The line Sandbox's page shows while Sandbox's script is not there. */
export const SANDBOX_UNAVAILABLE =
  `Apollo Sandbox cannot be loaded (it comes from Apollo's CDN, which this network may not reach): ` +
  `use the built-in explorer at <a href="${EXPLORER_PATH}">${EXPLORER_PATH}</a>.`;

const SANDBOX_SCRIPT = /<script nonce="([0-9a-f]+)" src="https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\//;

// Google's font stylesheet only styles the fallback text, and a stylesheet in the head holds back
// every script and the first paint until it loads or fails: on a network that drops rather than
// refuses, the page would stay blank for minutes.
const FONT_LINKS =
  /<link\s+rel="preconnect"\s+href="https:\/\/fonts\.gstatic\.com"\s*\/>|<link\s+href="https:\/\/fonts\.googleapis\.com\/[^"]*"\s+rel="stylesheet"\s*\/>/g;

// The empty Sandbox box covers the fallback line: let clicks through it to the link, but not
// through Sandbox's frame once it is there.
const FALLBACK_CSS = '#embeddableSandbox { pointer-events: none; } #embeddableSandbox iframe { pointer-events: auto; }';

// Runs before Sandbox's script: a script that fails (no route, no DNS, blocked) fires `error`,
// seen here in the capture phase, and the analyst is taken to the explorer. One that hangs leaves
// the fallback line with its link, which Apollo's page fades in after a second.
const FALLBACK_JS = `window.addEventListener('error', function (event) {
  var el = event.target;
  if (el && el.tagName === 'SCRIPT' && /embeddable-sandbox/.test(el.src || '')) window.location.replace('${EXPLORER_PATH}');
}, true);`;

/**
 * Sandbox's page with the fallback above. Should an Apollo upgrade change the page so that it
 * is not found, the page is served as Apollo made it (the landing tests say so).
 */
export function withExplorerFallback(html: string): string {
  const script = SANDBOX_SCRIPT.exec(html);
  const fallback = /<div class="fallback">[\s\S]*?<\/div>/;
  if (!script || !fallback.test(html)) return html;
  const nonce = script[1] ?? '';
  return html
    .replace(FONT_LINKS, '')
    .replace(
      fallback,
      () =>
        `<div class="fallback"><p id="sandbox-unavailable">${SANDBOX_UNAVAILABLE}</p></div>\n` +
        `<style nonce="${nonce}">${FALLBACK_CSS}</style>`,
    )
    .replace(script[0], () => `<script nonce="${nonce}">${FALLBACK_JS}</script>\n${script[0]}`);
}

export const explorerHtml = (): string => EXPLORER_HTML;
