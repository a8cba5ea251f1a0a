import { describe, expect, it } from 'vitest';
import { ApiError, toApiError } from './api';

describe('toApiError', () => {
  it('keeps code, message and hint of an AppError-shaped value', () => {
    const e = toApiError({
      code: 'IMPORT_FAILED',
      message: 'Line 4, column "x": expected a number',
      hint: 'Fix the file',
    });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('IMPORT_FAILED');
    expect(e.hint).toBe('Fix the file');
  });
  it('unwraps Electron remote errors', () => {
    const e = toApiError(new Error("Error invoking remote method 'runs:get': Error: No run with id 9"));
    expect(e.message).toBe('No run with id 9');
    expect(e.code).toBe('INTERNAL');
  });
  it('reads an AppError serialised into the message', () => {
    const e = toApiError(
      new Error(
        `Error invoking remote method 'x': Error: ${JSON.stringify({ code: 'NOT_FOUND', message: 'gone', hint: 'h' })}`,
      ),
    );
    expect(e.code).toBe('NOT_FOUND');
    expect(e.hint).toBe('h');
  });
  it('keeps the confirmToken of a FOLDER_NOT_EMPTY refusal and knows the STORAGE code', () => {
    const token = 'ab'.repeat(16);
    const e = toApiError({ code: 'FOLDER_NOT_EMPTY', message: 'Folder /x already holds 2 files', confirmToken: token });
    expect(e.code).toBe('FOLDER_NOT_EMPTY');
    expect(e.confirmToken).toBe(token);
    const s = toApiError({
      code: 'STORAGE',
      message: 'The disk holding the data directory /d is full',
      hint: 'Free some space',
    });
    expect(s.code).toBe('STORAGE');
  });
});
