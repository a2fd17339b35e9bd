import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A modal confirmation (the native `<dialog>`: focus stays inside, Escape closes it), open while mounted. The
 * cancel button has the focus first, so Enter alone never confirms a deletion.
 */
export function Confirm({
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.showModal();
    cancel.current?.focus();
    return () => element.close();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-label={title} onClose={onClose} data-testid="confirm">
      <h2>{title}</h2>
      <div>{children}</div>
      <p class="actions">
        <button type="button" ref={cancel} onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            onConfirm();
            onClose();
          }}
        >
          {confirmLabel}
        </button>
      </p>
    </dialog>
  );
}
