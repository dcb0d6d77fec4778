#!/usr/bin/env bash
# CI step: the official FOCUS validator on capsim's FOCUS exports.
#
#   CAPSIM=target/release/capsim bash tests/focus/ci.sh
#
# 1. Checks the check: the hand-written complete export tests/focus/hand-export.csv must fail
#    only listed validator defects, and a file that fails other rules (a specification
#    example, which lacks most mandatory columns) must make scripts/focus-validate.sh fail.
# 2. When capsim has the FOCUS exporter (`capsim bill --help` mentions --focus): exports
#    trial 0 of every strategy (and payg) of every shipped example (scenarios/*.toml except
#    bench.toml) and validates each file. Without the exporter the step says it is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
CAPSIM="${CAPSIM:-target/release/capsim}"
VALIDATE=scripts/focus-validate.sh

echo "-- the check of the check: a complete hand-written export passes"
"$VALIDATE" tests/focus/hand-export.csv

echo "-- the check of the check: a file failing unlisted rules fails"
set +e
"$VALIDATE" tests/data/focus-spec-1.2/commitment_discount_usage_scenario_1.csv >/dev/null 2>&1
status=$?
set -e
if [ "$status" != 1 ]; then
    echo "scripts/focus-validate.sh exited with $status on a specification example that lacks mandatory columns; expected 1" >&2
    exit 1
fi
echo "failed as it should (exit 1)"

[ -x "$CAPSIM" ] || {
    echo "$CAPSIM: not built" >&2
    exit 1
}
if ! "$CAPSIM" bill --help | grep -q -- '--focus'; then
    echo "-- skipped: the FOCUS exporter is not built yet (\`$CAPSIM bill --help\` has no --focus)"
    exit 0
fi

OUT=target/focus-ci
rm -rf "$OUT"
mkdir -p "$OUT"
files=()
for scenario in scenarios/*.toml; do
    [ "$(basename "$scenario")" = bench.toml ] && continue
    # The strategies are the names `capsim validate` lists under "strategies (N and the payg
    # baseline):", two spaces in, before the colon.
    mapfile -t strategies < <("$CAPSIM" validate "$scenario" |
        awk '/^strategies /{p=1; next} /^[^ ]/{p=0} p && /^  [^ ]/{sub(/^  /, ""); sub(/: .*/, ""); print}')
    [ "${#strategies[@]}" -gt 0 ] || {
        echo "$scenario: \`capsim validate\` listed no strategy" >&2
        exit 1
    }
    for strategy in payg "${strategies[@]}"; do
        file="$OUT/$(basename "$scenario" .toml)-$strategy.csv"
        "$CAPSIM" bill "$scenario" --trial 0 --strategy "$strategy" --focus "$file" >/dev/null
        files+=("$file")
    done
done
echo "-- the validator on ${#files[@]} exports (trial 0 of every strategy and payg of every shipped example)"
"$VALIDATE" "${files[@]}"
