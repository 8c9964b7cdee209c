// Names for generated code: an action's helper (`invoice.paid` → invoice.paid(), `member.role_changed`
// → member.roleChanged()) and its type names (InvoicePaidDetails).

const words = (text: string): string[] =>
  text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.toLowerCase());

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** lowerCamelCase of the words of `text`; a leading digit gets an underscore. */
export function camelCase(text: string): string {
  const [first = '', ...rest] = words(text);
  const name = first + rest.map(capitalised).join('');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** UpperCamelCase of the words of `text`. */
export function pascalCase(text: string): string {
  const name = words(text).map(capitalised).join('');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * Where an action's helper goes: its first dotted segment is the namespace and the rest the
 * method (`invoice.paid` → ['invoice', 'paid']); an action without a dot is a method of its own.
 */
export function helperPath(action: string): [namespace: string | undefined, method: string] {
  const dot = action.indexOf('.');
  if (dot === -1) return [undefined, camelCase(action)];
  return [camelCase(action.slice(0, dot)), camelCase(action.slice(dot + 1))];
}
