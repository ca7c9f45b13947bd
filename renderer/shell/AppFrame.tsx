import type { ReactNode } from 'react';
import type { PageEntry } from '../pages';
import { ConnectionBadge } from './ConnectionBadge';

interface AppFrameProps {
  pages: readonly PageEntry[];
  current: PageEntry;
  children: ReactNode;
}

/** Sidebar navigation + page header + content. */
export function AppFrame({ pages, current, children }: AppFrameProps) {
  return (
    <div className="frame">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <i /><i /><i /><i />
          </span>
          <span className="brand-name">Tessera</span>
        </div>
        <ul className="nav-list">
          {pages.map((p) => (
            <li key={p.id}>
              <a href={`#/${p.id}`} className={p.id === current.id ? 'nav-item active' : 'nav-item'} aria-current={p.id === current.id ? 'page' : undefined}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <ConnectionBadge />
        </div>
      </nav>
      <main className="content">
        <header className="page-header">
          <h1>{current.label}</h1>
          <p className="subtitle">{current.subtitle}</p>
        </header>
        <section className="page-body">{children}</section>
      </main>
    </div>
  );
}
