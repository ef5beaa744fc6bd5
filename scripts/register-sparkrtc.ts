/** npm run register:sparkrtc -- --help. See README, "Connecting SparkRTC". */
import { runRegisterCli } from '../tools/sparkrtc/register-cli';

const code = await runRegisterCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
process.exit(code);
