{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "outDir": "dist",
    "rootDir": ".",
    "sourceMap": true,
    "skipLibCheck": true
  },
  "include": ["src", "test"]
}
