// Orders (`#/orders`, `#/orders?placed=<id>` right after a checkout):
// newest first, each with its number, date, status, total and, opened,
// its lines.

import { h, heading, note, errorMessage, actionButton, focusFirstOf } from '../dom.js';
import { gql } from '../api.js';
import { dateTime, money } from '../format.js';
import { artistOf, kindLabel } from '../products.js';

const PAGE_SIZE = 10;

const ORDERS = `query Orders($first: Int, $after: String) {
  viewer {
    orders(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id number status createdAt
        total { formatted }
        lines {
          price { formatted }
          product { id title kind audioFormat album { title artist { name } } track { artist { name } } }
        }
      }
    }
  }
}`;

const STATUS = {
  PAID: ['Paid', 'Paid; delivering to your locker.'],
  FULFILLED: ['Delivered', 'Paid, and everything in it is in your locker.'],
  REFUNDED: ['Refunded', 'Refunded: the money went back and the music left your locker.'],
};

function orderItem(order, open) {
  const [label, meaning] = STATUS[order.status] ?? [order.status, ''];
  const count = order.lines.length;
  return h('li', { class: 'card order', 'data-testid': 'order' },
    h('details', { open },
      h('summary', {},
        h('span', { class: 'order-number' }, `Order ${order.number}`),
        h('span', { class: 'meta' }, dateTime(order.createdAt)),
        h('span', { class: `tag status-${order.status.toLowerCase()}` }, label),
        h('span', { class: 'meta' }, `${count} item${count === 1 ? '' : 's'}`),
        h('strong', { class: 'price' }, money(order.total))),
      h('p', { class: 'hint' }, meaning),
      h('ul', { class: 'list' }, order.lines.map((line) => h('li', { class: 'row' },
        h('div', { class: 'main' },
          h('a', { class: 'title', href: `#/product/${encodeURIComponent(line.product.id)}` }, line.product.title),
          h('div', { class: 'meta' }, `${artistOf(line.product)} · ${kindLabel(line.product)} · ${line.product.audioFormat}`)),
        h('span', { class: 'price' }, money(line.price)))))));
}

export async function render(ctx) {
  const placed = ctx.query.get('placed');
  const first = await gql(ORDERS, { first: PAGE_SIZE });
  const list = h('ol', { class: 'list orders', 'aria-label': 'Orders, newest first' });
  const more = h('div', { class: 'toolbar' });
  const error = h('p', { class: 'error', role: 'alert' });

  const show = (orders) => {
    const items = orders.nodes.map((order) => orderItem(order, order.id === placed));
    list.append(...items);
    more.replaceChildren();
    if (orders.pageInfo.hasNextPage) {
      more.append(actionButton('Show older orders', async () => {
        error.textContent = '';
        try {
          const data = await gql(ORDERS, { first: PAGE_SIZE, after: orders.pageInfo.endCursor });
          if (!ctx.signal.aborted) focusFirstOf(show(data.viewer.orders));
        } catch (err) {
          error.textContent = errorMessage(err);
        }
      }));
    }
    return items;
  };
  const orders = first.viewer.orders;
  show(orders);

  const justPlaced = placed && orders.nodes.find((order) => order.id === placed);
  return h('div', { class: 'orders-page' },
    heading('Your orders'),
    justPlaced
      ? h('div', { class: 'card success', role: 'status' },
        h('h2', {}, 'Thank you for your order'),
        h('p', {}, `Order ${justPlaced.number} is paid (${money(justPlaced.total)}). `,
          'The music is in your locker now: ', h('a', { href: '#/locker' }, 'open your locker'), '.'))
      : null,
    orders.totalCount === 0
      ? h('div', {}, note('You have not ordered anything yet.'), h('a', { href: '#/store' }, 'Browse the store'))
      : list,
    error, more);
}
