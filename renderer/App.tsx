import { useEffect, useState } from 'react';
import { PAGES } from './pages';
import type { PageEntry } from './pages';
import { AppFrame } from './shell/AppFrame';

function pageFromHash(): PageEntry {
  const id = window.location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.id === id) ?? PAGES[0]!;
}

/** The app: hash routing (#/studio, #/settings, …) inside the frame. */
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
