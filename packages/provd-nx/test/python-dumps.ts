import { spawn } from 'node:child_process';

/** What Python's json module makes of `jsonText`: keys sorted, compact (the oracle for our codec). */
export async function pythonDumps(jsonText: string): Promise<string> {
  const script = 'import json,sys\nsys.stdout.write(json.dumps(json.loads(sys.stdin.read()), sort_keys=True, separators=(",",":")))';
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
    child.stdin.end(jsonText);
  });
}
