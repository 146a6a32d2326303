#!/usr/bin/env bash
# Scaffolds a workspace package: scripts/new-package.sh packages/foo "what it is"
set -euo pipefail
dir="$1"; desc="${2:-}"; name="@wa/$(basename "$dir")"
mkdir -p "$dir/src" "$dir/test"
entry=index; [[ "$dir" == apps/* ]] && entry=main
if [[ ! -f "$dir/package.json" ]]; then
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.0.0",
  "private": true,
  "type": "module",
  "exports": { ".": { "types": "./dist/$entry.d.ts", "default": "./dist/$entry.js" } },
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc -p tsconfig.json",
    "test": "vitest run"
  },
  "dependencies": {},
  "devDependencies": { "@types/node": "catalog:", "typescript": "catalog:", "vitest": "catalog:" }
}
JSON
fi
[[ -f "$dir/tsconfig.json" ]] || echo '{ "extends": "../../tsconfig.base.json", "compilerOptions": { "noEmit": true, "rootDir": "." }, "include": ["src", "test"] }' > "$dir/tsconfig.json"
[[ -f "$dir/tsconfig.build.json" ]] || echo '{ "extends": "../../tsconfig.base.json", "compilerOptions": { "rootDir": "src", "outDir": "dist" }, "include": ["src"] }' > "$dir/tsconfig.build.json"
[[ -f "$dir/vitest.config.ts" ]] || cat > "$dir/vitest.config.ts" <<TS
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "$name", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
TS
[[ -f "$dir/README.md" ]] || printf '# %s\n\n%s\n' "$name" "$desc" > "$dir/README.md"
[[ -f "$dir/src/$entry.ts" ]] || echo "export {};" > "$dir/src/$entry.ts"
