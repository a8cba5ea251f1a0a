/** The hash router: the current route as state, updated on hashchange. */
import { parseHash, type Route } from './routes';

export { href, parseHash, type Route } from './routes';

class Router {
  route = $state<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('hashchange', () => {
        this.route = parseHash(location.hash);
        window.scrollTo(0, 0);
      });
    }
  }

  go(target: string): void {
    if (location.hash === target) this.route = parseHash(target);
    else location.hash = target;
  }

  /** Changes the address in place: no new history entry, no scroll to the top (a search being typed, a filter). */
  replace(target: string): void {
    if (location.hash !== target) history.replaceState(history.state, '', target);
    this.route = parseHash(target);
  }
}

export const router = new Router();
