// SPDX-License-Identifier: MIT
/*
 * lib/rbtree: random inserts and erases against a shadow bitmap, with the
 * red-black rules (rb_validate), key order, in-order/reverse/post-order
 * walks and the black-height bound checked as the tree changes.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/rbtree.h"
#include "tests/test.h"

#define NKEYS	4096

struct item {
	struct rb_node node;
	unsigned int key;
	bool in_tree;
	bool visited;
};

static struct item *to_item(struct rb_node *n)
{
	return rb_entry(n, struct item, node);
}

static bool insert(struct rb_root *root, struct item *it)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (it->key < to_item(parent)->key)
			link = &parent->rb_left;
		else if (it->key > to_item(parent)->key)
			link = &parent->rb_right;
		else
			return false;
	}
	rb_link_node(&it->node, parent, link);
	rb_insert_color(&it->node, root);
	return true;
}

static struct item *search(struct rb_root *root, unsigned int key)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		if (key < to_item(n)->key)
			n = n->rb_left;
		else if (key > to_item(n)->key)
			n = n->rb_right;
		else
			return to_item(n);
	}
	return NULL;
}

/* Full check: rules, order both ways, count, post-order visits each node once. */
static void check_tree(struct rb_root *root, struct item *items, unsigned int live)
{
	struct rb_node *n;
	unsigned int count = 0, prev_key = 0, post = 0;
	int bh = rb_validate(root);

	CHECK(bh >= 0);
	/* A red-black tree of n nodes has black height <= log2(n + 1) + 1. */
	CHECK(bh <= (int)ilog2(live + 1) + 1);
	for (n = rb_first(root); n; n = rb_next(n)) {
		CHECK(to_item(n)->in_tree);
		if (count)
			CHECK(to_item(n)->key > prev_key);
		prev_key = to_item(n)->key;
		count++;
	}
	CHECK_EQ(count, live);
	count = 0;
	for (n = rb_last(root); n; n = rb_prev(n)) {
		if (count)
			CHECK(to_item(n)->key < prev_key);
		prev_key = to_item(n)->key;
		count++;
	}
	CHECK_EQ(count, live);
	for (unsigned int i = 0; i < NKEYS; i++)
		items[i].visited = false;
	for (n = rb_first_postorder(root); n; n = rb_next_postorder(n)) {
		/* Children are visited before their parent, each node once. */
		CHECK(!to_item(n)->visited);
		CHECK(!n->rb_left || to_item(n->rb_left)->visited);
		CHECK(!n->rb_right || to_item(n->rb_right)->visited);
		to_item(n)->visited = true;
		post++;
	}
	CHECK_EQ(post, live);
}

int main(void)
{
	struct item *items = calloc(NKEYS, sizeof(*items));
	struct rb_root root = RB_ROOT;
	struct item *it, *tmp;
	unsigned int live = 0, freed = 0;

	REQUIRE(items);
	srand(12345);
	CHECK(rb_first(&root) == NULL && rb_last(&root) == NULL);
	CHECK(rb_first_postorder(&root) == NULL);
	CHECK_EQ(rb_validate(&root), 0);

	for (unsigned int i = 0; i < NKEYS; i++)
		items[i].key = i;

	/* Ascending inserts: the worst case for an unbalanced tree. */
	for (unsigned int i = 0; i < NKEYS / 2; i++) {
		CHECK(insert(&root, &items[i]));
		items[i].in_tree = true;
		live++;
	}
	check_tree(&root, items, live);
	CHECK(!insert(&root, &items[0]));	/* duplicate refused */

	/* Random churn with a full check every 64 steps. */
	for (unsigned int step = 0; step < 40000; step++) {
		unsigned int k = (unsigned int)rand() % NKEYS;

		it = &items[k];
		if (it->in_tree) {
			CHECK(search(&root, k) == it);
			rb_erase(&it->node, &root);
			it->in_tree = false;
			live--;
			CHECK(search(&root, k) == NULL);
		} else {
			CHECK(insert(&root, it));
			it->in_tree = true;
			live++;
		}
		if (step % 64 == 0)
			check_tree(&root, items, live);
	}
	check_tree(&root, items, live);

	/* Erase everything in order, then in reverse after refilling. */
	while (!RB_EMPTY_ROOT(&root)) {
		it = to_item(rb_first(&root));
		rb_erase(&it->node, &root);
		it->in_tree = false;
		live--;
		if (live % 97 == 0)
			check_tree(&root, items, live);
	}
	CHECK_EQ(live, 0);
	for (unsigned int i = 0; i < NKEYS; i++) {
		CHECK(insert(&root, &items[NKEYS - 1 - i]));
		items[NKEYS - 1 - i].in_tree = true;
	}
	live = NKEYS;
	check_tree(&root, items, live);

	/* The checker itself must catch a broken tree: a red root, a red-red pair. */
	root.rb_node->__rb_parent_color &= ~RB_BLACK;
	CHECK_EQ(rb_validate(&root), -1);
	root.rb_node->__rb_parent_color |= RB_BLACK;
	CHECK(rb_validate(&root) > 0);
	it = to_item(rb_first(&root));
	it->node.__rb_parent_color ^= RB_BLACK;
	CHECK_EQ(rb_validate(&root), -1);
	it->node.__rb_parent_color ^= RB_BLACK;
	CHECK(rb_validate(&root) > 0);

	/* Post-order teardown visits every node once, children first. */
	rbtree_postorder_for_each_entry_safe(it, tmp, &root, node) {
		it->in_tree = false;
		memset(&it->node, 0xa5, sizeof(it->node));	/* as a free would */
		freed++;
	}
	CHECK_EQ(freed, NKEYS);

	RB_CLEAR_NODE(&items[0].node);
	CHECK(RB_EMPTY_NODE(&items[0].node));
	free(items);
	return test_done();
}
