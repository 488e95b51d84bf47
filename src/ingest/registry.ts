import type { FormatParser } from './types';
import { sarifParser } from './formats/sarif';

/** Every known input format, in detection order (most specific first). */
export const PARSERS: readonly FormatParser[] = [sarifParser];
