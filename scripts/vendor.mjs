// Copy the built front-end assets from node_modules into src/qdm/static/vendor.
// Nothing here is committed: `make assets` runs `npm ci` and this script.
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "src/qdm/static/vendor");
const files = [
  ["@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"],
  ["@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"],
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["echarts/dist/echarts.min.js", "echarts/echarts.min.js"],
];
for (const [from, to] of files) {
  const source = join(root, "node_modules", from);
  if (!existsSync(source)) {
    console.error(`missing ${source}: run npm ci first`);
    process.exit(1);
  }
  const target = join(out, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}
console.log(`vendor assets copied to ${out}`);
