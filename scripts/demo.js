#!/usr/bin/env node
// `npm start`: see demo/main.ts.
'use strict';
require('../dist/demo/main.js')
  .main()
  .catch((e) => {
    console.error(`demo: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  });
