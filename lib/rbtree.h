/* SPDX-License-Identifier: MIT */
/*
 * Intrusive red-black trees with the shape of include/linux/rbtree.h.
 *
 * As in Linux the tree knows nothing about keys: the owner embeds a struct
 * rb_node, walks down from root->rb_node itself to find the link where a
 * new node belongs, calls rb_link_node() and then rb_insert_color() to
 * rebalance.  The parent pointer and the colour share one word (nodes are
 * at least 4-byte aligned, so bit 0 is free), which keeps a node at three
 * words.  rb_validate() checks the red-black rules for tests and for
 * invariant checkers built on top (iova_domain_check()).
 */
#ifndef IOMMUSIM_LIB_RBTREE_H
#define IOMMUSIM_LIB_RBTREE_H

#include "lib/bits.h"

struct rb_node {
	unsigned long __rb_parent_color;	/* parent | colour (bit 0, 1 = black) */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_RED		0UL
#define RB_BLACK	1UL

#define RB_ROOT		((struct rb_root) { NULL })
#define rb_entry(ptr, type, member)	container_of(ptr, type, member)
#define rb_entry_safe(ptr, type, member) \
	({ typeof(ptr) ____p = (ptr); ____p ? rb_entry(____p, type, member) : NULL; })

#define rb_parent(n)	((struct rb_node *)((n)->__rb_parent_color & ~3UL))
#define rb_is_black(n)	((n)->__rb_parent_color & RB_BLACK)
#define rb_is_red(n)	(!rb_is_black(n))

#define RB_EMPTY_ROOT(root)	((root)->rb_node == NULL)
/* A node that is in no tree points to itself as parent. */
#define RB_EMPTY_NODE(node) \
	((node)->__rb_parent_color == (unsigned long)(node))
#define RB_CLEAR_NODE(node) \
	((node)->__rb_parent_color = (unsigned long)(node))

/* Makes node a red leaf at *link under parent; follow with rb_insert_color(). */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->__rb_parent_color = (unsigned long)parent;	/* red */
	node->rb_left = node->rb_right = NULL;
	*link = node;
}

void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);

/* In-order walk; NULL past either end. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/* Post-order walk (children before parent), so each node may be freed. */
struct rb_node *rb_first_postorder(const struct rb_root *root);
struct rb_node *rb_next_postorder(const struct rb_node *node);

#define rbtree_postorder_for_each_entry_safe(pos, n, root, field)		\
	for (pos = rb_entry_safe(rb_first_postorder(root), typeof(*pos), field); \
	     pos && ({ n = rb_entry_safe(rb_next_postorder(&pos->field),	\
					 typeof(*pos), field); 1; });		\
	     pos = n)

/*
 * Checks parent links, a black root, no red node with a red child and the
 * same number of black nodes on every root-to-leaf path.  Returns that black
 * height (0 for an empty tree) or -1 when a rule is broken.  Key order is
 * the owner's business: walk with rb_next() and compare.
 */
int rb_validate(const struct rb_root *root);

#endif
