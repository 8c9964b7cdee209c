// <stele-viewer token="stv_..."></stele-viewer>: a read-only view of one tenant's audit log,
// rendered by the Stele server in an iframe. Load this script from the Stele server itself:
//   <script src="https://stele.example.com/embed.js" defer></script>
// Optional attributes: height (CSS length, default 600px), title (accessible frame name).
(() => {
  const origin = document.currentScript ? new URL(document.currentScript.src).origin : location.origin;

  class SteleViewer extends HTMLElement {
    static get observedAttributes() { return ['token', 'height', 'title']; }

    connectedCallback() { this.render(); }

    attributeChangedCallback() { if (this.isConnected) this.render(); }

    render() {
      const token = this.getAttribute('token');
      const root = this.shadowRoot || this.attachShadow({ mode: 'open' });
      root.replaceChildren();
      if (!token) {
        const message = document.createElement('p');
        message.textContent = 'stele-viewer: set the token attribute to a viewer token.';
        root.append(message);
        return;
      }
      const frame = document.createElement('iframe');
      frame.src = `${origin}/embed?token=${encodeURIComponent(token)}`;
      frame.title = this.getAttribute('title') || 'Audit log';
      frame.referrerPolicy = 'no-referrer';
      frame.loading = 'lazy';
      frame.style.cssText = `display:block;width:100%;border:0;height:${this.getAttribute('height') || '600px'}`;
      root.append(frame);
    }
  }

  if (!customElements.get('stele-viewer')) customElements.define('stele-viewer', SteleViewer);
})();
