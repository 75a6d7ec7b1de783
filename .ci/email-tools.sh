#!/usr/bin/env bash
# Install what the email checks in tests/test_email_checks.py need, quietly and only when missing:
#   SpamAssassin (spamassassin, spamc), Chromium with fonts (render_check.py, screenshots),
#   a Java runtime and the Nu Html Checker (npm vnu-jar in $HOME/.cache/vnu).
# Playwright is a pip test dependency (pyproject.toml); it drives /usr/bin/chromium, so
# `playwright install` is never run. A tool that cannot be installed is noted and skipped:
# this script always exits 0, and the tests that need the missing tool skip with a reason.
set -uo pipefail

note() { echo "email-tools: $*" >&2; }

missing=()
command -v spamassassin >/dev/null 2>&1 || missing+=(spamassassin)
command -v spamc >/dev/null 2>&1 || missing+=(spamc)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    note "no apt-get; not installed: ${missing[*]}"
  else
    # A hung mirror must not eat CI's time: give up after a while and let the tests skip.
    sudo=(timeout 900)
    [ "$(id -u)" -eq 0 ] || sudo=(timeout 900 sudo -n)
    export DEBIAN_FRONTEND=noninteractive
    if "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 \
      && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1
    then
      note "installed ${missing[*]}"
    else
      # One package that cannot be had must not keep the others out.
      for pkg in "${missing[@]}"; do
        "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 \
          || note "could not install $pkg; the tests that need it skip"
      done
    fi
  fi
fi

vnu_prefix="$HOME/.cache/vnu"
vnu_jar="$vnu_prefix/node_modules/vnu-jar/build/dist/vnu.jar"
if [ ! -f "$vnu_jar" ]; then
  if command -v npm >/dev/null 2>&1; then
    mkdir -p "$vnu_prefix"
    timeout 600 npm install --silent --no-audit --no-fund --prefix "$vnu_prefix" vnu-jar >/dev/null 2>&1 \
      || note "could not install vnu-jar; the HTML validation tests skip"
  else
    note "no npm; vnu-jar not installed, the HTML validation tests skip"
  fi
fi
exit 0
