#!/usr/bin/env bash
# scripts/check-deps.sh — enforce the layer rule by grepping #include lines.
#
#   src/base      <- dissect <- src (capture, decode, correlation) <- render <- src/main.c
#
#   src/base/*        may include only src/base
#   dissect/*         may include src/base, dissect
#   src/* (not main)  may include src/base, dissect, src
#   render/*          may include src/base, dissect, src (not src/main*), render
#   src/main.c        may include anything
#
# System headers:
#   <pcap.h>, <pcap/...>            only files under src/
#   cairo / jansson headers         only files under render/
#   <libxml/...>                    only files under dissect/ (parsing XML bodies),
#                                   except <libxml/xmlwriter.h>, also allowed under
#                                   render/: the SVG and HTML writers use xmlTextWriter
#                                   (cairo's SVG surface draws text as glyph outlines,
#                                   and the writer escapes every string)
#
# Quoted includes are resolved from the repository root (the project's
# convention, e.g. #include "dissect/sip.h"), falling back to the including
# file's directory. Prints each violation as FILE:LINE: message; exits 1 if any.
set -euo pipefail

cd "$(dirname "$0")/.."

# layer of a repo-relative path: base dissect core main render other
layer_of() {
    case "$1" in
        src/base/*)               echo base ;;
        src/main.c|src/main.h|src/report_cli.c) echo main ;;  # CLI code (report_cli: the report subcommand)
        src/live_cli.c)           echo main ;;  # CLI code: the live subcommand (renders calls as they finish)
        src/*)                    echo core ;;
        dissect/*)                echo dissect ;;
        render/*)                 echo render ;;
        *)                        echo other ;;
    esac
}

allowed() { # from-layer to-layer -> 0 if allowed
    local from=$1 to=$2
    case "$from" in
        base)    [ "$to" = base ] ;;
        dissect) [ "$to" = base ] || [ "$to" = dissect ] ;;
        core)    [ "$to" = base ] || [ "$to" = dissect ] || [ "$to" = core ] ;;
        render)  [ "$to" = base ] || [ "$to" = dissect ] || [ "$to" = core ] || [ "$to" = render ] ;;
        main)    true ;;
        *)       true ;;
    esac
}

# Normalise a/b/../c and ./ components (no filesystem access needed).
normpath() {
    local IFS=/ part out=()
    # shellcheck disable=SC2086
    set -f; set -- $1; set +f
    for part in "$@"; do
        case "$part" in
            ''|.) ;;
            ..) [ ${#out[@]} -gt 0 ] && unset 'out[${#out[@]}-1]' ;;
            *) out+=("$part") ;;
        esac
    done
    local s
    s=$(printf '%s/' "${out[@]}")
    printf '%s\n' "${s%/}"
}

files=()
while IFS= read -r f; do files+=("$f"); done < <(
    find src dissect render -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)

violations=0
report() { echo "$1"; violations=$((violations + 1)); }

for f in "${files[@]}"; do
    from=$(layer_of "$f")
    dir=$(dirname "$f")
    while IFS= read -r hit; do
        [ -n "$hit" ] || continue
        ln=${hit%%:*}
        line=${hit#*:}
        # extract delimiter and name
        rest=$(printf '%s' "$line" | sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*//')
        case "$rest" in
            \"*) kind=quote; name=${rest#\"}; name=${name%%\"*} ;;
            \<*) kind=angle; name=${rest#<};  name=${name%%>*} ;;
            *)   continue ;;   # macro include; cannot check
        esac

        # system-library headers (either delimiter)
        case "$name" in
            pcap.h|pcap/*|pcap-*.h)
                case "$f" in src/*) ;; *) report "$f:$ln: <$name>: only src/ may include libpcap headers" ;; esac ;;
            cairo.h|cairo-*.h|cairo/*|jansson.h|jansson_config.h)
                case "$f" in render/*) ;; *) report "$f:$ln: <$name>: only render/ may include cairo/jansson headers" ;; esac ;;
            libxml/xmlwriter.h)
                case "$f" in dissect/*|render/*) ;; *) report "$f:$ln: <$name>: only dissect/ and render/ may include the libxml2 writer" ;; esac ;;
            libxml/*|libxml2/*)
                case "$f" in dissect/*) ;; *) report "$f:$ln: <$name>: only dissect/ may include libxml2 headers (render/: only libxml/xmlwriter.h)" ;; esac ;;
        esac

        [ "$kind" = quote ] || continue
        # resolve: repo root first, then relative to the including file
        if [ -e "$name" ] || [[ "$name" == */* && ! -e "$dir/$name" ]]; then
            target=$(normpath "$name")
        else
            target=$(normpath "$dir/$name")
        fi
        to=$(layer_of "$target")
        if [ "$to" = other ]; then
            case "$from" in
                main|other) ;;
                *) report "$f:$ln: \"$name\" resolves to $target, outside src/ dissect/ render/" ;;
            esac
            continue
        fi
        if [ "$from" = render ] && [ "$to" = main ]; then
            report "$f:$ln: \"$name\": render/ may not include src/main"
            continue
        fi
        if ! allowed "$from" "$to"; then
            report "$f:$ln: \"$name\": layer '$from' may not include layer '$to' ($target)"
        fi
    done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include' "$f" || true)
done

if [ "$violations" -gt 0 ]; then
    echo "check-deps: $violations violation(s) in ${#files[@]} files"
    exit 1
fi
echo "check-deps: ok (${#files[@]} files)"
