// Arrow keys in the emoji grid (emoji-picker-element moves with them in its search results and
// category tabs, but its grid is one Tab stop per emoji: hundreds of them).

/** The emoji to focus after `key` on emoji `index` of `count` laid out in rows of `columns`; null: not a move. */
export function gridMove(key: string, index: number, count: number, columns: number): number | null {
  if (count === 0 || index < 0) return null;
  const last = count - 1;
  switch (key) {
    case 'ArrowRight':
      return Math.min(last, index + 1);
    case 'ArrowLeft':
      return Math.max(0, index - 1);
    case 'ArrowDown':
      // From a column the last row does not reach, to the last emoji.
      return index + columns <= last ? index + columns : Math.floor(index / columns) < Math.floor(last / columns) ? last : index;
    case 'ArrowUp':
      return index - columns >= 0 ? index - columns : index;
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
