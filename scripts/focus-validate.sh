#!/usr/bin/env bash
# Runs the official FOCUS validator (focus-validator 2.2.1, rule model 1.2.0.1) on FOCUS CSV
# files and fails when a rule fails that is not a known defect of the validator itself.
#
#   scripts/focus-validate.sh [--defects FILE] [--list] FILE.csv...
#
# --defects FILE  the list of the validator's own defects (default
#                 tests/focus/validator-defects.txt): one rule ID per line, then its reason;
#                 `#` starts a comment.
# --list          print each file's failed rules and exit 0 (to study a file, not to judge it).
#
# Exit status: 0 when every failed rule of every file is on the defects list; 1 when a file
# fails a rule that is not (the rules are printed); 2 when the validator cannot be installed
# or crashes. A listed rule that passes is printed as a note, not an error: of the pair
# InvoiceId-C-004-C / InvoiceId-C-005-C, which one fails depends on the data.
#
# The validator needs Python 3.12 (on 3.11 pip silently picks focus-validator 1.0.0). It is
# installed once into a virtual environment cached at $FOCUS_VALIDATOR_VENV (default
# ${XDG_CACHE_HOME:-~/.cache}/capsim/focus-validator-2.2.1-<hash of the constraints>), with
# every package pinned by tests/focus/validator-constraints.txt so that a new release of a
# dependency cannot change a verdict. Python 3.12 is looked for as $FOCUS_PYTHON, then
# `python3.12` on PATH, then pyenv's ~/.pyenv/versions/3.12*, then `uv`, then installed with
# apt-get where the distribution has it (Debian 13, Ubuntu 24.04; Debian 12 does not).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEFECTS="$ROOT/tests/focus/validator-defects.txt"
CONSTRAINTS="$ROOT/tests/focus/validator-constraints.txt"
LIST_ONLY=0
# The applicability criteria of docs/spec.md section 14: without them the validator skips
# 441 of its 578 rules, every commitment rule among them.
CRITERIA="COMMITMENT_DISCOUNT_SUPPORTED,AVAILABILITY_ZONE_SUPPORTED,REGION_SUPPORTED,USAGE_MEASUREMENT_SUPPORTED,UNIT_PRICING_SUPPORTED,PUBLIC_PRICE_LIST_SUPPORTED,MULTIPLE_PRICING_CATEGORIES_SUPPORTED,RESOURCE_TYPE_ASSIGNMENT_SUPPORTED,BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED"

die() {
    echo "focus-validate: $*" >&2
    exit 2
}

FILES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --defects)
            [ $# -ge 2 ] || die "--defects needs a file"
            DEFECTS="$2"
            shift 2
            ;;
        --list)
            LIST_ONLY=1
            shift
            ;;
        -h | --help)
            sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*) die "unknown option $1 (allowed: --defects FILE, --list)" ;;
        *)
            FILES+=("$1")
            shift
            ;;
    esac
done
[ ${#FILES[@]} -gt 0 ] || die "no file given (usage: scripts/focus-validate.sh [--defects FILE] [--list] FILE.csv...)"
for f in "${FILES[@]}"; do
    [ -f "$f" ] || die "$f: no such file"
done
[ "$LIST_ONLY" = 1 ] || [ -f "$DEFECTS" ] || die "$DEFECTS: no such file (the validator's defects list)"

is_python312() {
    "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1
}

# Prints the path of a Python 3.12 interpreter with venv and ensurepip, or nothing.
find_python312() {
    local candidate
    for candidate in "${FOCUS_PYTHON:-}" "$(command -v python3.12 || true)" \
        $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python 2>/dev/null | sort -rV); do
        if [ -n "$candidate" ] && is_python312 "$candidate"; then
            echo "$candidate"
            return
        fi
    done
}

# Creates the virtual environment at $1 from scratch with Python 3.12.
create_venv() {
    local venv="$1" python
    python="$(find_python312)"
    if [ -n "$python" ]; then
        "$python" -m venv "$venv"
    elif command -v uv >/dev/null 2>&1; then
        echo "focus-validate: no Python 3.12 found; asking uv for one" >&2
        uv venv --seed --python 3.12 "$venv" >&2
    elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 &&
        apt-cache show python3.12-venv >/dev/null 2>&1; then
        echo "focus-validate: no Python 3.12 found; installing python3.12 and python3.12-venv with apt-get" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3.12 python3.12-venv >&2
        /usr/bin/python3.12 -m venv "$venv"
    else
        die "focus-validator 2.2.1 needs Python 3.12 (pip on 3.11 would install 1.0.0), and none was found: not \$FOCUS_PYTHON, not python3.12 on PATH, not ~/.pyenv/versions/3.12*, no uv, and apt-get cannot install python3.12 here. Install one (e.g. \`pyenv install 3.12\` or \`pip install uv\`) and run again."
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$CONSTRAINTS" "focus-validator==2.2.1" "pyarrow<20" >&2
}

HASH="$(sha256sum "$CONSTRAINTS" | cut -c1-12)"
VENV="${FOCUS_VALIDATOR_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/capsim/focus-validator-2.2.1-$HASH}"
# The stamp is written last, so that an interrupted install is not taken for a cache.
if [ ! -f "$VENV/.capsim-complete" ]; then
    echo "focus-validate: installing focus-validator 2.2.1 into $VENV (once)" >&2
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    if ! (create_venv "$VENV"); then
        rm -rf "$VENV"
        die "could not install focus-validator 2.2.1 (see the messages above)"
    fi
    touch "$VENV/.capsim-complete"
fi
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
[ -f "$SITE/focus_validator/rules/currency_codes.csv" ] ||
    die "$VENV holds no focus_validator package; remove that folder and run again"

# Rule IDs on the defects list, comments and blank lines skipped.
declare -A LISTED=()
if [ "$LIST_ONLY" = 0 ]; then
    while read -r rule _; do
        case "$rule" in '' | '#'*) continue ;; esac
        LISTED[$rule]=1
    done <"$DEFECTS"
fi

STATUS=0
for f in "${FILES[@]}"; do
    abs="$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
    # It opens focus_validator/rules/currency_codes.csv relative to the working directory,
    # and without --block-download it tries the network for the rule model and crashes.
    if ! out="$(cd "$SITE" && "$VENV/bin/focus-validator" --data-file "$abs" \
        --validate-version 1.2.0.1 --block-download --output-type console \
        --applicability-criteria "$CRITERIA" 2>&1)"; then
        tail -20 <<<"$out" >&2
        die "$f: the validator crashed (its last lines are above)"
    fi
    summary="$(grep -m1 -E '^Total: [0-9]+ \| Pass: [0-9]+ \| Fail: [0-9]+' <<<"$out" || true)"
    [ -n "$summary" ] || {
        tail -20 <<<"$out" >&2
        die "$f: the validator printed no 'Total: N | Pass: N | Fail: N' line (its last lines are above)"
    }
    mapfile -t failed < <(sed -n 's/^❌ \([A-Za-z0-9-]*\): FAIL.*/\1/p' <<<"$out" | sort -u)
    nfail="$(echo "$summary" | sed -E 's/.*Fail: ([0-9]+).*/\1/')"
    [ "${#failed[@]}" = "$nfail" ] ||
        die "$f: the summary says $nfail rules failed but ${#failed[@]} '❌ RULE: FAIL' lines were found; the output format changed"
    echo "$f: $summary"
    if [ "$LIST_ONLY" = 1 ]; then
        [ "${#failed[@]}" = 0 ] || printf "  %s\n" "${failed[@]}"
        continue
    fi
    declare -A FAILED=()
    for rule in "${failed[@]}"; do
        FAILED[$rule]=1
        if [ -z "${LISTED[$rule]:-}" ]; then
            # The validator's line can list dozens of upstream rules; its start says enough.
            line="$(grep -m1 -F "❌ $rule: FAIL" <<<"$out")"
            [ "${#line}" -le 300 ] || line="${line:0:300}..."
            echo "  FAIL, not a known validator defect: $line"
            STATUS=1
        fi
    done
    for rule in "${!LISTED[@]}"; do
        [ -n "${FAILED[$rule]:-}" ] || echo "  note: listed defect $rule passes on this file"
    done | sort
    unset FAILED
done
if [ "$STATUS" != 0 ]; then
    echo "focus-validate: rules failed that are not on $DEFECTS; fix the export, or, if the validator is wrong, add the rule there with its reason" >&2
fi
exit "$STATUS"
