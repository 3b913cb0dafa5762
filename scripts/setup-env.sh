# Shared by scripts/run and scripts/test: make .venv and install what is missing.
# Sourced, not executed.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $*" >&2; return 1; fi
}

# Debian packages, installed only when their command is missing.
# Usage: ensure_debian_packages command:package [command:package ...]
ensure_debian_packages() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || { echo "cannot install ${missing[*]}: no apt-get" >&2; return 1; }
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

pick_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "$candidate"; return 0
        fi
    done
    echo "Officina needs Python 3.11 or newer" >&2
    return 1
}

# Usage: ensure_venv EXTRAS   (EXTRAS like "" or "[dev]")
ensure_venv() {
    local extras="$1" python stamp
    python="$(pick_python)"
    if [ ! -x "$VENV/bin/python" ]; then
        "$python" -m venv "$VENV" 2>/dev/null || {
            ensure_debian_packages "false:python3-venv"
            rm -rf "$VENV"; "$python" -m venv "$VENV"
        }
    fi
    # Reinstall only when pyproject.toml changed since the last install of these extras.
    stamp="$VENV/.installed$(echo "$extras" | tr -dc 'a-z')"
    if [ ! -f "$stamp" ] || [ "$REPO_ROOT/pyproject.toml" -nt "$stamp" ]; then
        # uv downloads and installs in parallel: [dev] into a new .venv takes about 11 s
        # against pip's 52 s (both with a warm download cache). pip is the fallback
        # wherever uv cannot be installed or fails.
        if ! { "$VENV/bin/python" -m pip install -q uv &&
            "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" -e "$REPO_ROOT$extras"; }
        then
            echo "uv could not install the packages: installing them with pip" >&2
            "$VENV/bin/python" -m pip install -q --upgrade pip
            "$VENV/bin/python" -m pip install -q -e "$REPO_ROOT$extras"
        fi
        touch "$stamp"
    fi
}

# axe-core, the WCAG checker the browser tests run in each page, from npm into .venv/node
# (never committed). Usage: ensure_axe_core
AXE_CORE_VERSION="4.10.3"
AXE_CORE_JS="$VENV/node/node_modules/axe-core/axe.min.js"
ensure_axe_core() {
    local installed="$VENV/node/.axe-core-$AXE_CORE_VERSION"
    [ -f "$AXE_CORE_JS" ] && [ -f "$installed" ] && return 0
    ensure_debian_packages npm:npm
    npm install --no-save --no-package-lock --no-audit --no-fund --silent \
        --prefix "$VENV/node" "axe-core@$AXE_CORE_VERSION"
    touch "$installed"
}

# The browser phone: JsSIP from npm, bundled with our script by esbuild into
# officina/pbx/static/pbx/build/ (never committed). Installs again only when
# package.json or the lock changed, bundles again only when a source is newer.
ensure_browser_phone() {
    local source="$REPO_ROOT/officina/pbx/frontend/softphone.js"
    local bundle="$REPO_ROOT/officina/pbx/static/pbx/build/softphone.js"
    local stamp="$REPO_ROOT/node_modules/.officina-installed"
    ensure_debian_packages npm:npm
    if [ ! -f "$stamp" ] || [ "$REPO_ROOT/package.json" -nt "$stamp" ] ||
        [ "$REPO_ROOT/package-lock.json" -nt "$stamp" ]; then
        (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error) && touch "$stamp"
    fi
    if [ ! -f "$bundle" ] || [ "$stamp" -nt "$bundle" ] ||
        [ -n "$(find "$REPO_ROOT/officina/pbx/frontend" "$REPO_ROOT/officina/web/static/web/moments.js" \
            -newer "$bundle" -print -quit)" ]; then
        "$REPO_ROOT/node_modules/.bin/esbuild" "$source" --bundle --minify --sourcemap \
            --target=chrome100,firefox100,safari15 --log-level=warning --outfile="$bundle"
    fi
}
