{
  "name": "{{name}}",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "engines": { "node": ">=20" },
  "scripts": {
    "build": "tsc -p .",
    "start": "npm run build --silent && node dist/src/main.js",
    "test": "npm run build --silent && node --test dist/test/counter.test.js"
  },
  "dependencies": {
    "agner": "{{agner}}"
  },
  "devDependencies": {
    "@types/node": "^20.9.5",
    "typescript": "^5.9.3"
  }
}
