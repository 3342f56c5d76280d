// The input is not a label map (not JSON, not UTF-8, or not one top-level object): the user's
// data, not a bug.
import { ErrorCode, LfsLazyError } from '../errors/index.js';

export class LabelMapFormatError extends LfsLazyError {
  constructor(message: string) {
    super(message, { code: ErrorCode.BadRequest });
  }
}
