import { useEffect, useState } from 'react';

export type Theme = 'system' | 'light' | 'dark';
const key = 'fieldline.theme';

/** The theme is the person's, not the device's: kept in the renderer. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = localStorage.getItem(key);
    return saved === 'light' || saved === 'dark' ? saved : 'system';
  });
  useEffect(() => {
    localStorage.setItem(key, theme);
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [theme, setTheme];
}
