import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EmbedViewer } from './embed-viewer';
import '../styles.css';

// The token arrives in the frame's URL (set by embed.js); the page sends no Referer, so it does
// not leak onwards from there.
const token = new URLSearchParams(location.search).get('token') ?? '';

createRoot(document.getElementById('root')!).render(<StrictMode><EmbedViewer token={token} /></StrictMode>);
