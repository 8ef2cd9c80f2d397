#!/usr/bin/env bash
# Regenerates builder/data/color/FOGRA39L-brochure.icc, the CMYK output-intent profile of print PDFs,
# from the FOGRA39 characterization data that Debian's icc-profiles-free ships (zlib licence),
# with ArgyllCMS's colprof. Needs: apt-get install argyll icc-profiles-free
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
cp /usr/share/color/icc/FOGRA39L.ti3 "$work/"
cd "$work"
colprof -ql -kr -D "Coated FOGRA39 (from FOGRA39L characterization data)" \
  -C "Data: FOGRA39L.ti3, icc-profiles-free (zlib). Profile made with ArgyllCMS colprof." FOGRA39L
cp FOGRA39L.icc "$here/builder/data/color/FOGRA39L-brochure.icc"
echo "wrote builder/data/color/FOGRA39L-brochure.icc ($(stat -c %s FOGRA39L.icc) bytes)"
