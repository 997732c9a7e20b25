// What the pages and the player ask of the API about tracks, in one place,
// and the one shape rows and the player use for both kinds of playable thing.

/**
 * Cover art of locker items and albums: `coverUrl(size:)`, signed like a
 * stream, in the sizes the API makes (64, 300 or 600 pixels; any other is
 * BAD_USER_INPUT). `cover()` draws a placeholder when the URL is null.
 */
const coverField = (size) => ` coverUrl(size: ${size})`;

/** A locker item's fields, for rows and the player. */
export const ITEM_FIELDS = `id title artist album albumArtist albumId artistId genre trackNumber discNumber year
  durationMs format bitrateKbps sampleRateHz sizeBytes source streamable excludedFromTasteProfile streamUrl${coverField(64)}`;

/** A locker album's own fields (its items take ITEM_FIELDS). */
export const ALBUM_FIELDS = `id title artist year trackCount${coverField(300)}`;

/** A catalogue track as a playlist entry or search hit shows it. */
export const TRACK_FIELDS = 'id title durationMs genre trackNumber artist { id name } album { id title coverUrl(size: 64) product { id } } product { id }';

/**
 * One shape for both kinds of playable thing, so rows and the player need
 * not care: a locker item as it is; a catalogue track (`__typename`
 * Track) flattened, with no stream URL of its own (the player finds the
 * locker item the purchase put in the locker).
 */
export function playable(node) {
  if (!node) return null;
  if (node.__typename === 'Track') {
    return {
      ...node,
      kind: 'Track',
      artist: node.artist?.name ?? '',
      album: node.album?.title ?? '',
      coverUrl: node.album?.coverUrl ?? null,
      format: 'Catalogue',
      streamable: true,
      streamUrl: null,
    };
  }
  return { ...node, kind: 'LockerItem' };
}

/** Notes when a stream URL was fetched: they expire after an hour. */
export function stamp(item) {
  if (item && item.streamUrl && !item.fetchedAt) item.fetchedAt = Date.now();
  return item;
}

/** A `Playable` (union of LockerItem and Track) with what rows need. */
export const PLAYABLE_FIELDS = `__typename ... on LockerItem { ${ITEM_FIELDS} } ... on Track { ${TRACK_FIELDS} }`;
