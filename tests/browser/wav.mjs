// Audio made in the test: a mono 16-bit WAV of a sine tone with RIFF INFO
// tags (INAM title, IART artist, IPRD album, IGNR genre, ITRK track), which
// the server reads like any other upload. A different tone or tags make
// different bytes, so each file is a new upload.

function chunk(id, body) {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'ascii');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

export function taggedWav({ seconds, tags, rate = 8000, hz = 330, amplitude = 2000 }) {
  const count = Math.round(rate * seconds);
  const pcm = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) {
    pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  }
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(1, 2); // mono
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate * 2, 8);
  fmt.writeUInt16LE(2, 12);
  fmt.writeUInt16LE(16, 14);
  const info = Buffer.concat([
    Buffer.from('INFO'),
    ...Object.entries(tags).map(([id, value]) => chunk(id, Buffer.from(`${value}\0`))),
  ]);
  return chunk('RIFF', Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), chunk('data', pcm), chunk('LIST', info)]));
}
