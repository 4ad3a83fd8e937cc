// The emoji picker proper: emoji-picker-element (a dependency-free web component: search,
// categories, skin tones, the full emoji set). Only imported dynamically, by EmojiPicker, so it
// and its styles land in a chunk of their own, loaded the first time the picker opens.
import { Picker } from 'emoji-picker-element';
// Our own copy of its data (fingerprinted by the build): by default it would fetch it from a CDN.
import dataSource from 'emoji-picker-element-data/en/emojibase/data.json?url';
import './emojiPicker.css';

export function createEmojiPicker(): HTMLElement {
  return new Picker({ dataSource, locale: 'en' });
}
