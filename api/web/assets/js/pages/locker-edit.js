// Editing a locker item's tags (Cadenza's copy of them: the stored bytes
// never change) and deleting an item, each in a dialog.

import { h, field, toast, errorMessage, onSubmit } from '../dom.js';
import { gql } from '../api.js';
import { openDialog, confirmDialog } from '../dialog.js';
import { ITEM_FIELDS } from '../fields.js';

const UPDATE = `mutation UpdateLockerItem($id: ID!, $input: LockerItemInput!) {
  updateLockerItem(id: $id, input: $input) { ${ITEM_FIELDS} } }`;
const DELETE = `mutation DeleteLockerItem($id: ID!) { deleteLockerItem(id: $id) }`;

/** Text tags: [input key, label, required]. Optional ones clear with an empty value. */
const TEXT_TAGS = [
  ['title', 'Title', true],
  ['artist', 'Artist', true],
  ['album', 'Album', true],
  ['albumArtist', 'Album artist', false],
  ['genre', 'Genre', false],
];
/** Number tags: 0 (an empty field) clears them. */
const NUMBER_TAGS = [
  ['trackNumber', 'Track number', 1, 9999],
  ['discNumber', 'Disc number', 1, 999],
  ['year', 'Year', 1, 9999],
];

/** Opens the tag editor; resolves to the updated item, or undefined when cancelled. */
export function editItem(item) {
  return openDialog(`Edit tags of “${item.title}”`, (close) => {
    const inputs = {};
    const error = h('p', { class: 'error', role: 'alert' });
    const fields = [
      ...TEXT_TAGS.map(([key, label, required]) => {
        inputs[key] = h('input', { type: 'text', name: key, value: item[key] ?? '', required, autocomplete: 'off', maxlength: 500 });
        return field(label, inputs[key], required ? null : 'Leave empty to clear it.');
      }),
      h('div', { class: 'field-row' }, NUMBER_TAGS.map(([key, label, min, max]) => {
        inputs[key] = h('input', {
          type: 'number', name: key, value: item[key] ?? '', min, max, inputmode: 'numeric',
        });
        return field(label, inputs[key]);
      })),
    ];
    const exclude = h('input', { type: 'checkbox', id: `exclude-${item.id}`, checked: item.excludedFromTasteProfile });
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const form = h('form', { novalidate: true }, fields,
      h('div', { class: 'check' }, exclude,
        h('label', { for: exclude.id }, 'Exclude from my taste',
          h('span', { class: 'hint' }, ' — plays of this track never feed my recommendations or any statistic.'))),
      error,
      h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), save));
    return onSubmit(form, async () => {
      const input = { excludeFromTasteProfile: exclude.checked };
      for (const [key, label, required] of TEXT_TAGS) {
        const value = inputs[key].value.trim();
        if (required && !value) {
          error.textContent = `${label} cannot be empty.`;
          inputs[key].focus();
          return;
        }
        if (value !== (item[key] ?? '')) input[key] = value;
      }
      for (const [key, label, min, max] of NUMBER_TAGS) {
        const raw = inputs[key].value.trim();
        const value = raw === '' ? 0 : Number(raw);
        if (!Number.isInteger(value) || (value !== 0 && (value < min || value > max))) {
          error.textContent = `${label} must be a whole number from ${min} to ${max}, or empty.`;
          inputs[key].focus();
          return;
        }
        if (value !== (item[key] ?? 0)) input[key] = value;
      }
      const data = await gql(UPDATE, { id: item.id, input });
      toast('Tags saved.');
      close(data.updateLockerItem);
    }, { error, submit: save });
  });
}

/** Asks, then deletes; resolves true when the item is gone. */
export async function deleteItem(item) {
  const sure = await confirmDialog(
    'Delete this track?',
    `“${item.title}” by ${item.artist} leaves your locker and every playlist. ${item.source === 'PURCHASE'
      ? 'It is a purchase: it is removed from your locker.'
      : 'The uploaded file is deleted too; this cannot be undone.'}`,
    'Delete',
  );
  if (!sure) return false;
  try {
    await gql(DELETE, { id: item.id });
    toast(`“${item.title}” was deleted.`);
    return true;
  } catch (err) {
    toast(errorMessage(err), 'error');
    return false;
  }
}
