import { defineConfig } from "vite";

// The server serves the built page from its output folder (src/ServiceAnalytics.Server/WebAssets.targets copies
// dist/ there); relative asset URLs keep it working under any path base.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No source maps shipped: the page is small and its sources are in the repository.
    sourcemap: false,
  },
});
