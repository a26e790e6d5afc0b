import { mount } from 'svelte';
import Hub from './Hub.svelte';
import '../app.css';
import './hub.css';
import { HubState } from './state.svelte';

const state = new HubState(window);
mount(Hub, { target: document.getElementById('app')!, props: { hub: state } });
