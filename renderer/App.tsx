import { useEffect, useState } from 'react';
import { PAGES } from './pages';
import type { PageEntry } from './pages';
import { AppFrame } from './shell/AppFrame';
import { parseHashRoute } from './shell/hash-route';

function pageFromHash(): PageEntry {
  const { page } = parseHashRoute(window.location.hash);
  return PAGES.find((p) => p.id === page) ?? PAGES[0]!;
}

/** The app: hash routing (#/studio, #/models?select=<id>, …; see shell/hash-route.ts) inside the frame. */
export function App() {
  const [page, setPage] = useState<PageEntry>(pageFromHash);
  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = `${page.label} · Tessera`;
  }, [page]);
  const Page = page.component;
  return (
    <AppFrame pages={PAGES} current={page}>
      <Page />
    </AppFrame>
  );
}
