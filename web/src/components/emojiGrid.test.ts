import { describe, expect, it } from 'vitest';
import { gridMove } from './emojiGrid';

// 10 emoji in rows of 4:  0 1 2 3 / 4 5 6 7 / 8 9
const move = (key: string, index: number) => gridMove(key, index, 10, 4);

describe('gridMove', () => {
  it('moves left and right along the emoji, stopping at the ends', () => {
    expect(move('ArrowRight', 0)).toBe(1);
    expect(move('ArrowRight', 3)).toBe(4);
    expect(move('ArrowRight', 9)).toBe(9);
    expect(move('ArrowLeft', 4)).toBe(3);
    expect(move('ArrowLeft', 0)).toBe(0);
  });

  it('moves a row up and down in the same column', () => {
    expect(move('ArrowDown', 1)).toBe(5);
    expect(move('ArrowDown', 5)).toBe(9);
    expect(move('ArrowUp', 9)).toBe(5);
    expect(move('ArrowUp', 2)).toBe(2);
  });

  it('down from a column the short last row lacks goes to the last emoji; on the last row it stays', () => {
    expect(move('ArrowDown', 7)).toBe(9);
    expect(move('ArrowDown', 8)).toBe(8);
  });

  it('Home and End jump to the first and last; other keys are not moves', () => {
    expect(move('Home', 6)).toBe(0);
    expect(move('End', 2)).toBe(9);
    expect(move('Enter', 2)).toBeNull();
    expect(gridMove('ArrowDown', 0, 0, 4)).toBeNull();
  });
});
