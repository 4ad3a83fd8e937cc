/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// Relative asset paths: the build is served from any path (the local gateway, an S3 prefix).
// config.json (the WebSocket URL and the user pool) is fetched at run time, never baked into the
// bundle: the local gateway and the deployment serve it. `npm run dev` takes it from the running
// local stack (`make dev`, or CHAT_GATEWAY_URL), whose pool ids are made at its first start.
const gateway = process.env.CHAT_GATEWAY_URL ?? 'http://127.0.0.1:8707';

export default defineConfig({
  base: './',
  plugins: [react(), tailwindcss()],
  server: {
    proxy: { '/config.json': { target: gateway, changeOrigin: true } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
    restoreMocks: true,
    testTimeout: 10_000,
  },
});
