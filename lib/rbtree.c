// SPDX-License-Identifier: MIT
/*
 * Red-black tree rebalancing: see rbtree.h.
 *
 * The classic formulation (Cormen et al., "Introduction to Algorithms",
 * chapter 13) with NULL leaves instead of a sentinel: a sentinel would be
 * shared mutable state across trees.  Because a NULL leaf has no parent
 * pointer, the erase fix-up carries the parent of the (possibly NULL) node
 * that lost a black explicitly.
 */
#include "lib/rbtree.h"

static inline void rb_set_parent(struct rb_node *n, struct rb_node *p)
{
	n->__rb_parent_color = (unsigned long)p | (n->__rb_parent_color & 1UL);
}

static inline void rb_set_black(struct rb_node *n)
{
	n->__rb_parent_color |= RB_BLACK;
}

static inline void rb_set_red(struct rb_node *n)
{
	n->__rb_parent_color &= ~RB_BLACK;
}

static inline void rb_set_colour(struct rb_node *n, unsigned long colour)
{
	n->__rb_parent_color = (n->__rb_parent_color & ~1UL) | colour;
}

static inline bool rb_black_or_null(const struct rb_node *n)
{
	return !n || rb_is_black(n);
}

/* Makes parent (or the root, when parent is NULL) point at new instead of old. */
static inline void rb_change_child(struct rb_node *old, struct rb_node *new,
				   struct rb_node *parent, struct rb_root *root)
{
	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

/* x's right child takes x's place; colours stay with their nodes. */
static void rb_rotate_left(struct rb_node *x, struct rb_root *root)
{
	struct rb_node *y = x->rb_right, *p = rb_parent(x);

	x->rb_right = y->rb_left;
	if (y->rb_left)
		rb_set_parent(y->rb_left, x);
	y->rb_left = x;
	rb_set_parent(y, p);
	rb_change_child(x, y, p, root);
	rb_set_parent(x, y);
}

static void rb_rotate_right(struct rb_node *x, struct rb_root *root)
{
	struct rb_node *y = x->rb_left, *p = rb_parent(x);

	x->rb_left = y->rb_right;
	if (y->rb_right)
		rb_set_parent(y->rb_right, x);
	y->rb_right = x;
	rb_set_parent(y, p);
	rb_change_child(x, y, p, root);
	rb_set_parent(x, y);
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *parent, *gparent, *uncle;

	for (;;) {
		parent = rb_parent(node);
		if (!parent) {
			rb_set_black(node);
			return;
		}
		if (rb_is_black(parent))
			return;
		/* A red parent is never the root, so the grandparent exists. */
		gparent = rb_parent(parent);
		if (parent == gparent->rb_left) {
			uncle = gparent->rb_right;
			if (uncle && rb_is_red(uncle)) {
				rb_set_black(parent);
				rb_set_black(uncle);
				rb_set_red(gparent);
				node = gparent;
				continue;
			}
			if (node == parent->rb_right) {
				rb_rotate_left(parent, root);
				parent = node;
			}
			rb_set_black(parent);
			rb_set_red(gparent);
			rb_rotate_right(gparent, root);
			return;
		}
		uncle = gparent->rb_left;
		if (uncle && rb_is_red(uncle)) {
			rb_set_black(parent);
			rb_set_black(uncle);
			rb_set_red(gparent);
			node = gparent;
			continue;
		}
		if (node == parent->rb_left) {
			rb_rotate_right(parent, root);
			parent = node;
		}
		rb_set_black(parent);
		rb_set_red(gparent);
		rb_rotate_left(gparent, root);
		return;
	}
}

/* x (maybe NULL) under parent is one black short of its sibling's subtree. */
static void rb_erase_fixup(struct rb_node *x, struct rb_node *parent,
			   struct rb_root *root)
{
	struct rb_node *w;

	while (x != root->rb_node && rb_black_or_null(x)) {
		if (x == parent->rb_left) {
			w = parent->rb_right;
			if (rb_is_red(w)) {
				rb_set_black(w);
				rb_set_red(parent);
				rb_rotate_left(parent, root);
				w = parent->rb_right;
			}
			if (rb_black_or_null(w->rb_left) &&
			    rb_black_or_null(w->rb_right)) {
				rb_set_red(w);
				x = parent;
				parent = rb_parent(x);
				continue;
			}
			if (rb_black_or_null(w->rb_right)) {
				rb_set_black(w->rb_left);
				rb_set_red(w);
				rb_rotate_right(w, root);
				w = parent->rb_right;
			}
			rb_set_colour(w, parent->__rb_parent_color & 1UL);
			rb_set_black(parent);
			rb_set_black(w->rb_right);
			rb_rotate_left(parent, root);
		} else {
			w = parent->rb_left;
			if (rb_is_red(w)) {
				rb_set_black(w);
				rb_set_red(parent);
				rb_rotate_right(parent, root);
				w = parent->rb_left;
			}
			if (rb_black_or_null(w->rb_left) &&
			    rb_black_or_null(w->rb_right)) {
				rb_set_red(w);
				x = parent;
				parent = rb_parent(x);
				continue;
			}
			if (rb_black_or_null(w->rb_left)) {
				rb_set_black(w->rb_right);
				rb_set_red(w);
				rb_rotate_left(w, root);
				w = parent->rb_left;
			}
			rb_set_colour(w, parent->__rb_parent_color & 1UL);
			rb_set_black(parent);
			rb_set_black(w->rb_left);
			rb_rotate_right(parent, root);
		}
		x = root->rb_node;
		break;
	}
	if (x)
		rb_set_black(x);
}

void rb_erase(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *child, *parent;
	bool black;

	if (!z->rb_left || !z->rb_right) {
		child = z->rb_left ? z->rb_left : z->rb_right;
		parent = rb_parent(z);
		black = rb_is_black(z);
		if (child)
			rb_set_parent(child, parent);
		rb_change_child(z, child, parent, root);
	} else {
		/* The successor y has no left child; it takes z's place and colour. */
		struct rb_node *y = z->rb_right;

		while (y->rb_left)
			y = y->rb_left;
		child = y->rb_right;
		black = rb_is_black(y);
		if (rb_parent(y) == z) {
			parent = y;
		} else {
			parent = rb_parent(y);
			parent->rb_left = child;
			if (child)
				rb_set_parent(child, parent);
			y->rb_right = z->rb_right;
			rb_set_parent(y->rb_right, y);
		}
		y->rb_left = z->rb_left;
		rb_set_parent(y->rb_left, y);
		y->__rb_parent_color = z->__rb_parent_color;
		rb_change_child(z, y, rb_parent(z), root);
	}
	if (black)
		rb_erase_fixup(child, parent, root);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	/* Climb while we come from the right; the first left-turn parent is next. */
	while ((parent = rb_parent(node)) && node == parent->rb_right)
		node = parent;
	return parent;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_left) {
		node = node->rb_left;
		while (node->rb_right)
			node = node->rb_right;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_left)
		node = parent;
	return parent;
}

static struct rb_node *rb_left_deepest(const struct rb_node *node)
{
	for (;;) {
		if (node->rb_left)
			node = node->rb_left;
		else if (node->rb_right)
			node = node->rb_right;
		else
			return (struct rb_node *)node;
	}
}

struct rb_node *rb_first_postorder(const struct rb_root *root)
{
	return root->rb_node ? rb_left_deepest(root->rb_node) : NULL;
}

struct rb_node *rb_next_postorder(const struct rb_node *node)
{
	struct rb_node *parent = rb_parent(node);

	/* After a left child comes its right sibling's subtree, then the parent. */
	if (parent && node == parent->rb_left && parent->rb_right)
		return rb_left_deepest(parent->rb_right);
	return parent;
}

static int rb_validate_subtree(const struct rb_node *n,
			       const struct rb_node *parent)
{
	int l, r;

	if (!n)
		return 0;
	if (rb_parent(n) != parent)
		return -1;
	if (rb_is_red(n) && ((n->rb_left && rb_is_red(n->rb_left)) ||
			     (n->rb_right && rb_is_red(n->rb_right))))
		return -1;
	l = rb_validate_subtree(n->rb_left, n);
	r = rb_validate_subtree(n->rb_right, n);
	if (l < 0 || r < 0 || l != r)
		return -1;
	return l + (rb_is_black(n) ? 1 : 0);
}

int rb_validate(const struct rb_root *root)
{
	if (root->rb_node && !rb_is_black(root->rb_node))
		return -1;
	return rb_validate_subtree(root->rb_node, NULL);
}
