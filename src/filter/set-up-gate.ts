// Work the filter starts at the handshake that git must not outrun: installing git-lfs's hooks,
// which `git lfs update` writes while git may be about to run post-checkout (exec'ing a hook that
// is still being written fails with ETXTBSY). git runs post-checkout only once every path of the
// checkout is answered, so in a checkout that lets the filter delay paths (`can-delay=1`) the first
// path is answered `delayed` and held back until the work is done, and the checkout goes on
// meanwhile: git asks for that path again at its end (list_available_blobs). Anything else waits
// for the work before its answer, as every request did before.
import type { FilterRequest } from '../protocol/filter-protocol.js';

export type Admission = 'hold' | 'wait' | 'go';

export class SetUpGate {
  #held = false;

  constructor(
    readonly done: Promise<void> | undefined,
    private readonly canDelay: boolean,
  ) {}

  // 'hold': answer this path `delayed`, its result once `done` settles; 'wait': await `done`
  // first; 'go': answer now.
  admit(request: FilterRequest): Admission {
    if (this.done === undefined) return 'go';
    const delayable = request.command === 'smudge' && request.canDelay && this.canDelay;
    if (!this.#held && delayable) {
      this.#held = true;
      return 'hold';
    }
    // The held path keeps git from finishing this checkout until the work is done.
    return this.#held && (delayable || request.command === 'list_available_blobs') ? 'go' : 'wait';
  }
}
