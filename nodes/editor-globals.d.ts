// The small part of the Node-RED editor API our editor scripts use, typed so `npm run build`
// checks editor code too (Node-RED publishes no editor typings).
interface RedEditorNodeDef {
  category: string;
  color?: string;
  defaults: Record<string, { value: unknown; required?: boolean; type?: string; validate?: (v: any) => boolean; label?: string }>;
  credentials?: Record<string, { type: 'text' | 'password'; required?: boolean }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  label?: (this: any) => string;
  paletteLabel?: string;
  labelStyle?: string | ((this: any) => string);
  inputLabels?: string | string[];
  outputLabels?: string | string[] | ((i: number) => string);
  align?: 'left' | 'right';
  exclusive?: boolean;
  oneditprepare?: (this: any) => void;
  oneditsave?: (this: any) => void;
  oneditcancel?: (this: any) => void;
  oneditresize?: (this: any, size: { height: number; width: number }) => void;
}
interface RedEditorCodeEditor {
  getValue(): string;
  setValue(v: string, cursor?: number): void;
  destroy(): void;
  resize?(): void;
}
declare const RED: {
  nodes: {
    registerType(type: string, def: RedEditorNodeDef): void;
    node(id: string): any;
  };
  editor: {
    createEditor(opts: { id: string; mode?: string; value?: string }): RedEditorCodeEditor;
  };
  settings: Record<string, unknown>;
  _(key: string, subs?: Record<string, unknown>): string;
  notify(msg: string, type?: string): void;
};
declare const $: any;
