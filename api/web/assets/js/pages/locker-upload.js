// Uploading to the locker: drop several files on the zone (or pick them
// with the keyboard-friendly file picker); each gets its own progress bar
// and, when the server refuses it, the reason in words.

import { h, toast } from '../dom.js';
import { upload } from '../api.js';
import { bytes, plural } from '../format.js';
import { ITEM_FIELDS } from '../fields.js';

const UPLOAD = `mutation UploadTrack($file: Upload!) { uploadTrack(file: $file) { ${ITEM_FIELDS} } }`;
/** Files sent at the same time; the rest wait (two cores, one disk). */
const AT_ONCE = 2;

/** The refusal in words, by the API's error code. */
function refusal(err, file) {
  switch (err?.code) {
    case 'UNSUPPORTED_MEDIA_TYPE':
      // The server says which: not audio at all, or audio that is damaged.
      return `Not uploaded: “${file.name}” — ${(err.message || 'not a format Cadenza can play').replace(/\.$/, '')}.`;
    case 'PAYLOAD_TOO_LARGE':
      return `Not uploaded: “${file.name}” (${bytes(file.size)}) is larger than the server accepts.`;
    case 'QUOTA_EXCEEDED':
      return `Not uploaded: your locker is full; “${file.name}” (${bytes(file.size)}) would go over your storage quota. Delete something first.`;
    case 'BAD_USER_INPUT':
      return `Not uploaded: “${file.name}” could not be read as audio${err.message ? ` (${err.message})` : ''}.`;
    case 'RATE_LIMITED':
      return `Not uploaded yet: too many uploads at once. Try “${file.name}” again in a moment.`;
    default:
      return `Not uploaded: ${err?.message || 'the upload failed'}.`;
  }
}

/**
 * The drop zone and its list of uploads. `onUploaded(item)` gets each new
 * locker item. Leaving the page does not cancel uploads: they go on, and
 * say how they ended in a toast once their row is gone.
 */
export function uploader({ onUploaded }) {
  // Focusable: it scrolls, and a keyboard must be able to scroll it.
  const list = h('ul', { class: 'list uploads', 'aria-label': 'Uploads', tabindex: '0' });
  const waiting = [];
  let running = 0;

  const pump = () => {
    while (running < AT_ONCE && waiting.length) {
      const job = waiting.shift();
      running += 1;
      job().finally(() => {
        running -= 1;
        pump();
      });
    }
  };

  const add = (files) => {
    for (const file of files) {
      const progress = h('progress', { max: '100', value: '0', 'aria-label': `Upload of ${file.name}` });
      const status = h('div', { class: 'meta', role: 'status' }, `Waiting · ${bytes(file.size)}`);
      const row = h('li', { class: 'row upload', 'data-testid': 'upload-row' },
        h('div', { class: 'main' }, h('div', { class: 'title' }, file.name), progress, status));
      list.prepend(row);
      waiting.push(async () => {
        status.textContent = `Uploading · ${bytes(file.size)}`;
        try {
          const data = await upload(UPLOAD, {}, file, {
            onProgress: (sent, total) => {
              progress.value = Math.round((sent / total) * 100);
            },
          });
          progress.value = 100;
          row.classList.add('done');
          status.textContent = `Uploaded: ${data.uploadTrack.title} — ${data.uploadTrack.artist}`;
          if (row.isConnected) onUploaded?.(data.uploadTrack);
          else toast(`Uploaded “${data.uploadTrack.title}” to your locker.`);
        } catch (err) {
          progress.remove();
          row.classList.add('refused');
          status.setAttribute('role', 'alert');
          status.classList.add('error');
          status.textContent = refusal(err, file);
          if (!row.isConnected) toast(status.textContent, 'error');
        }
      });
    }
    pump();
  };

  const picker = h('input', {
    type: 'file', id: 'upload-files', multiple: true, class: 'sr-only',
    accept: 'audio/*,.mp3,.flac,.ogg,.oga,.opus,.m4a,.wav,.aif,.aiff',
    onchange: () => {
      add([...picker.files]);
      picker.value = '';
    },
  });
  const zone = h('div', { class: 'dropzone', 'data-testid': 'dropzone' },
    h('p', { class: 'drop-hint' }, 'Drop audio files here to add them to your locker, or '),
    picker,
    h('label', { for: picker.id, class: 'button' }, 'Choose files to upload'));
  // The label opens the picker on click; the picker itself (visually hidden,
  // still focusable) opens with Enter or Space, and the zone shows its focus
  // ring meanwhile (app.css `.dropzone:focus-within`).
  zone.addEventListener('dragenter', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove('over');
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length) add(files);
    else toast('Only files can be dropped here.', 'error');
  });
  // Finished uploads (done or refused) leave the list on request; running ones stay.
  const clear = h('button', {
    type: 'button', class: 'link', hidden: true,
    onclick: () => {
      list.querySelectorAll('.upload.done, .upload.refused').forEach((row) => row.remove());
      clear.hidden = list.children.length === 0;
    },
  }, 'Clear finished uploads');
  // The log stays small (it scrolls) so the library is still in view;
  // one line sums it up.
  const tally = h('p', { class: 'meta upload-tally', 'aria-live': 'polite' });
  const count = () => {
    const done = list.querySelectorAll('.upload.done').length;
    const refused = list.querySelectorAll('.upload.refused').length;
    const going = list.children.length - done - refused;
    tally.textContent = [
      done ? `${plural(done, 'file')} uploaded` : null,
      refused ? `${refused} refused` : null,
      going ? `${going} in progress` : null,
    ].filter(Boolean).join(' · ');
    clear.hidden = list.children.length === 0;
    tally.hidden = list.children.length === 0;
  };
  new MutationObserver(count).observe(list, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] });
  count();
  return h('section', { 'aria-label': 'Upload', class: 'uploader' }, zone, h('div', { class: 'upload-head' }, tally, clear), list);
}
