export interface Comment {
  id: string;
  author: string;
  text: string;
  postedAt: string;
}

export function renderComments(list: HTMLElement, comments: Comment[]): void {
  const html = comments
    .map(
      (c) =>
        `<li data-id="${c.id}"><b>${c.author}</b> <time>${c.postedAt}</time><p>${c.text}</p></li>`,
    )
    .join("");
  list.innerHTML = html;
}

export function renderNotifications(list: HTMLElement, messages: string[]): void {
  const fragment = document.createDocumentFragment();
  for (const message of messages) {
    const item = document.createElement("li");
    item.className = "notification";
    item.textContent = message;
    fragment.appendChild(item);
  }
  list.replaceChildren(fragment);
}

export function debounce<A extends unknown[]>(run: (...args: A) => void, waitMs: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => run(...args), waitMs);
  };
}
