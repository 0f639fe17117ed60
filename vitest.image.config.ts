import { defineConfig } from 'vitest/config';

// The image check (scripts/check-image.sh): drives a built image with buildah. Not part of `npm test`,
// whose config includes only test/**/*.test.ts.
export default defineConfig({
  test: {
    include: ['test/image/*.check.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
