interface PlaceholderProps {
  title: string;
  children: string;
}

/** A clearly marked page that another part of Tessera fills in. */
export function Placeholder({ title, children }: PlaceholderProps) {
  return (
    <div className="placeholder">
      <h2>{title}</h2>
      <p>{children}</p>
    </div>
  );
}
